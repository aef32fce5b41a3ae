/**
 * The DynamoDB table layout: a contract with downstream apps, and the one definition that both the CDK app (`lib/`)
 * and the local runner (`local/`) build their tables from.
 *
 * Readings table, one item per reading identity:
 * - `pk` (S): series key `<customer-id>/<meter-id>/<register-id>`; `sk` (S): canonical reading time.
 * - `value` (N): the reading's value, exact decimal.
 * - `customerId`, `subscriptionId`, `meterId` (S), `registerId`, `schemaVersion` (N), `intervalStart` (S, v2),
 *   `systemTime` (S, v1), `extraFields` (S, lossless JSON text of fields the version does not define),
 *   `receivedAt` (S, the bridge's receive time), `ingestedAt` (S), `topic`, `shardId`, `sequenceNumber` (S).
 * - Keys starting with {@link SERIES_REGISTRY_PREFIX} are the series registry (one item per series), never readings:
 *   `pk` = `series#<customer-id>#<n>` ({@link seriesRegistryKey}), `n` one of {@link SERIES_REGISTRY_SUFFIXES} fixed
 *   suffixes chosen by the series key, so one customer's registry spreads over that many partition keys instead of
 *   one; items written before the spread sit under `series#<customer-id>` and are read too
 *   ({@link seriesRegistryKeys}).
 *
 * Quarantine table, one item per rejected or conflicting Kinesis record (idempotent: a retried record lands on the
 * same item):
 * - `pk` (S): `<shardId>/<sequenceNumber>` of the Kinesis record; `sk` (S): the reason code.
 * - `reason` (S), `message` (S), `topic` (S), `payload` (B, raw bytes), `receivedAt`, `quarantinedAt` (S),
 *   `shardId`, `sequenceNumber` (S), `expiresAt` (N, epoch seconds, the TTL attribute).
 * - Conflicts also carry `seriesKey`, `readingTime`, `storedValue`, `storedSource`, `conflictingValue`,
 *   `conflictingSource`.
 * - `reasonShard` (S): `<reason>#<n>` ({@link quarantineReasonShard}), `n` one of {@link QUARANTINE_REASON_SUFFIXES}
 *   fixed suffixes chosen by the item's `pk`.
 * - Index `byReasonSpread`: `reasonShard` then `quarantinedAt`, to list quarantined items by reason and time; one
 *   reason's items spread over {@link QUARANTINE_REASON_SUFFIXES} partition keys, read together
 *   ({@link quarantineReasonShards}).
 * - Index `byReason` (legacy, {@link LEGACY_BY_REASON_INDEX}): `reason` then `quarantinedAt`. Kept while items written
 *   before the spread (without `reasonShard`) may remain; removed in a later deploy (docs/ingest.md).
 */

/** A key attribute: its name and DynamoDB scalar type. */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N' | 'B';
}

/** A global secondary index, projecting all attributes. */
export interface IndexLayout {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

/** The shape of one table. */
export interface TableLayout {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes: readonly IndexLayout[];
  /** What the table's DynamoDB stream carries, if it has one. */
  readonly stream?: 'NEW_IMAGE';
}

/** Prefix of the series registry's partition keys in the readings table (`series#<customer-id>#<n>`). */
export const SERIES_REGISTRY_PREFIX = 'series#';

/**
 * How many partition keys one customer's series registry is spread over. A partition key takes about 1,000 writes a
 * second; after a deploy a 100,000-meter customer re-registers 200,000 series, which on one key throttled ingest. With
 * 16 keys the same burst takes 16 times the write rate before any key is hot. Fixed: changing it moves series to other
 * keys (readers would then have to read both counts).
 */
export const SERIES_REGISTRY_SUFFIXES = 16;

/** FNV-1a (32 bits) of a string's UTF-16 code units: a stable, well-spread choice of suffix, the same everywhere. */
export function spreadHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The registry partition key of a series: `series#<customer-id>#<n>`, `n` from the series key. */
export function seriesRegistryKey(customerId: string, seriesKey: string): string {
  return `${SERIES_REGISTRY_PREFIX}${customerId}#${spreadHash(seriesKey) % SERIES_REGISTRY_SUFFIXES}`;
}

/**
 * Every registry partition key of a customer, to be read together: the {@link SERIES_REGISTRY_SUFFIXES} spread keys,
 * and last the unsuffixed `series#<customer-id>` under which items were written before the spread.
 */
export function seriesRegistryKeys(customerId: string): string[] {
  return [
    ...Array.from({ length: SERIES_REGISTRY_SUFFIXES }, (_, n) => `${SERIES_REGISTRY_PREFIX}${customerId}#${n}`),
    `${SERIES_REGISTRY_PREFIX}${customerId}`,
  ];
}

/**
 * How many partition keys one quarantine reason is spread over in the index. A provider format change at 100,000
 * meters a minute quarantines about 1,700 records a second under one reason, above the roughly 1,000 writes a second
 * one partition takes; and a throttled GSI throttles the base table's writes, i.e. ingest itself
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations). With 16
 * keys a reason takes 16 times that rate. Fixed: changing it moves items to other keys.
 */
export const QUARANTINE_REASON_SUFFIXES = 16;

/** The spread index's name (partition key `reasonShard`). */
export const BY_REASON_SPREAD_INDEX = 'byReasonSpread';

/** The legacy index on the bare `reason`, kept until the second deploy of the transition (docs/ingest.md). */
export const LEGACY_BY_REASON_INDEX = 'byReason';

/** The `reasonShard` of a quarantine item: `<reason>#<n>`, `n` from the item's `pk` (same item, same key). */
export function quarantineReasonShard(reason: string, pk: string): string {
  return `${reason}#${spreadHash(pk) % QUARANTINE_REASON_SUFFIXES}`;
}

/** Every `reasonShard` of a reason, to be queried together: `<reason>#0` .. `<reason>#15`. */
export function quarantineReasonShards(reason: string): string[] {
  return Array.from({ length: QUARANTINE_REASON_SUFFIXES }, (_, n) => `${reason}#${n}`);
}

/** The readings table. Its stream (new images) is the change feed for downstream apps. */
export const READINGS_TABLE: TableLayout = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  stream: 'NEW_IMAGE',
};

/** The quarantine table. */
export const QUARANTINE_TABLE: TableLayout = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    {
      indexName: BY_REASON_SPREAD_INDEX,
      partitionKey: { name: 'reasonShard', type: 'S' },
      sortKey: { name: 'quarantinedAt', type: 'S' },
    },
    {
      indexName: LEGACY_BY_REASON_INDEX,
      partitionKey: { name: 'reason', type: 'S' },
      sortKey: { name: 'quarantinedAt', type: 'S' },
    },
  ],
};

/** Default time a quarantine item is kept before DynamoDB's TTL removes it. */
export const DEFAULT_QUARANTINE_RETENTION_DAYS = 90;
