/**
 * The quarantine tools: list quarantined items by reason and time (through the `byReason` index), and replay them.
 *
 * Replay decodes each quarantined record again with the current (injectable) decoder and stores what now decodes
 * with the ingest function's own `putReading` (and series registry), so a replayed reading is written exactly as a
 * delivered one would be: conditionally, never over a stored reading. Per item:
 * - decodes and is stored, or was stored already (a duplicate): the quarantine item is deleted, only then;
 * - decodes but disagrees with the stored reading: it becomes a `conflict` item (both values), the old item goes;
 * - still fails for the same reason: left as it is;
 * - fails for another reason now: a quarantine item with the new reason is written, then the old one deleted;
 * - a `conflict` item, or one whose payload was truncated: skipped (nothing to decode again).
 * Every step is idempotent, so a replay interrupted at any point and run again ends in the same state, and a replay
 * run twice changes nothing the second time.
 */
import { DeleteItemCommand, QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DEFAULT_QUARANTINE_RETENTION_DAYS,
  QUARANTINE_REASONS,
  QUARANTINE_TABLE,
  isQuarantineReason,
  type QuarantineReason,
} from '../core';
import { isValidationError, refusalReason } from '../functions/ingest/dynamodb-errors';
import { putQuarantine, type QuarantineEntry } from '../functions/ingest/quarantine-store';
import { putReading } from '../functions/ingest/reading-store';
import { SeriesRegistry } from '../functions/ingest/series-registry';
import { InvalidArgumentError } from './errors';
import { quarantinedItemFromItem, type QuarantinedItem } from './quarantine-item';
import { redecode, type PayloadDecoder } from './redecode';
import { sortKeyCondition, toSortKeyRange, type TimeRange } from './time-range';

/** The name of the quarantine table's index by reason and time, from `core/table-layout.ts`. */
export const BY_REASON_INDEX = byReasonIndex();

function byReasonIndex(): string {
  const index = QUARANTINE_TABLE.globalSecondaryIndexes.find(
    (i) => i.partitionKey.name === 'reason' && i.sortKey.name === 'quarantinedAt',
  );
  if (!index) throw new Error('core/table-layout.ts defines no quarantine index on (reason, quarantinedAt)');
  return index.indexName;
}

/** Options of {@link QuarantineClient}. */
export interface QuarantineClientOptions {
  /** The DynamoDB client to send every request with. */
  readonly client: DynamoDBClient;
  /** The quarantine table's name (the stack output, or `QUARANTINE_TABLE_NAME`). */
  readonly quarantineTableName: string;
  /** The readings table's name, where replay stores readings. Needed only by {@link QuarantineClient.replay}. */
  readonly readingsTableName?: string;
  /** Items asked for per Query request. @default 1000 */
  readonly pageSize?: number;
}

/** Options of {@link QuarantineClient.list}. */
export interface ListQuarantineOptions extends TimeRange {
  /** Only this reason. @default - every reason in `core`'s `QUARANTINE_REASONS`, one after the other */
  readonly reason?: string;
}

/** Options of {@link QuarantineClient.replay}. */
export interface ReplayOptions extends TimeRange {
  /** Only items with this reason. @default - every reason but `conflict` */
  readonly reason?: string;
  /** The payload decoder. @default - `core`'s `decodePayload` */
  readonly decodePayload?: PayloadDecoder;
  /** The clock: the ingest time of replayed readings and the quarantine time of rewritten items. @default - now */
  readonly clock?: () => Date;
  /** Days a rewritten quarantine item is kept. @default 90 */
  readonly retentionDays?: number;
}

/** What replay did with one item. */
export type ReplayOutcome = 'stored' | 'duplicate' | 'conflict' | 'still-failing' | 'reason-changed' | 'skipped';

/** One item's replay. */
export interface ReplayedItem {
  readonly pk: string;
  readonly reason: string;
  readonly outcome: ReplayOutcome;
  /** The reason the item carries now, when it changed (`conflict` included). */
  readonly newReason?: string;
  /** The series key, for a reading that decoded. */
  readonly seriesKey?: string;
  readonly readingTime?: string;
  /** What happened, for people. */
  readonly message: string;
}

/** A replay's result: a count per outcome and every item. */
export interface ReplayReport {
  readonly examined: number;
  readonly counts: Readonly<Record<ReplayOutcome, number>>;
  readonly items: readonly ReplayedItem[];
}

/** Lists and replays the quarantine table. */
export class QuarantineClient {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly readingsTableName: string | undefined;
  private readonly pageSize: number;

  constructor(options: QuarantineClientOptions) {
    if (!options.quarantineTableName) {
      throw new InvalidArgumentError('quarantineTableName must name the quarantine table');
    }
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new InvalidArgumentError(`pageSize must be a positive integer, got ${pageSize}`);
    }
    this.client = options.client;
    this.tableName = options.quarantineTableName;
    this.readingsTableName = options.readingsTableName;
    this.pageSize = pageSize;
  }

  /** Quarantined items by reason, then by quarantine time; `from` and `to` bound the quarantine time. */
  async *list(options: ListQuarantineOptions = {}): AsyncGenerator<QuarantinedItem, void, undefined> {
    const reasons = options.reason === undefined ? QUARANTINE_REASONS : [checkReason(options.reason)];
    const range = sortKeyCondition('quarantinedAt', toSortKeyRange(options));
    for (const reason of reasons) {
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: BY_REASON_INDEX,
            KeyConditionExpression: `#r = :r${range.expression ? ` AND ${range.expression}` : ''}`,
            ExpressionAttributeNames: { '#r': 'reason', ...range.names },
            ExpressionAttributeValues: { ':r': { S: reason }, ...range.values },
            Limit: this.pageSize,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) yield quarantinedItemFromItem(item);
        start = page.LastEvaluatedKey;
      } while (start);
    }
  }

  /** Replays quarantined items (see the module comment). Rethrows the SDK's errors on infrastructure failure. */
  async replay(options: ReplayOptions = {}): Promise<ReplayReport> {
    const readingsTableName = this.readingsTableName;
    if (!readingsTableName) throw new InvalidArgumentError('replay needs readingsTableName to store readings in');
    if (options.reason === 'conflict') {
      throw new InvalidArgumentError('conflict items are reviewed, not replayed: the stored reading is kept');
    }
    const clock = options.clock ?? (() => new Date());
    const retentionDays = options.retentionDays ?? DEFAULT_QUARANTINE_RETENTION_DAYS;
    const registry = new SeriesRegistry(this.client, readingsTableName);
    // the whole list first: replay adds and removes items, which must not shift the pages being read
    const candidates: QuarantinedItem[] = [];
    for await (const item of this.list(options)) candidates.push(item);
    const items: ReplayedItem[] = [];
    for (const item of candidates) {
      items.push(await this.replayOne(item, { ...options, readingsTableName, clock, retentionDays, registry }));
    }
    const counts: Record<ReplayOutcome, number> = {
      stored: 0,
      duplicate: 0,
      conflict: 0,
      'still-failing': 0,
      'reason-changed': 0,
      skipped: 0,
    };
    for (const i of items) counts[i.outcome] += 1;
    return { examined: items.length, counts, items };
  }

  private async replayOne(
    item: QuarantinedItem,
    options: ReplayOptions & {
      readingsTableName: string;
      clock: () => Date;
      retentionDays: number;
      registry: SeriesRegistry;
    },
  ): Promise<ReplayedItem> {
    const base = { pk: item.pk, reason: item.reason };
    if (item.reason === 'conflict') {
      return { ...base, outcome: 'skipped', message: 'a conflict is reviewed, not replayed' };
    }
    if (item.payloadTruncated) {
      return { ...base, outcome: 'skipped', message: 'only a prefix of the payload was kept: nothing to decode again' };
    }
    const decoded = redecode(item, options.decodePayload);
    if (!decoded.ok) return this.stillFailing(item, decoded.reason, decoded.message, options);
    const { reading, topic, receivedAt } = decoded.value;
    const at = { seriesKey: reading.seriesKey, readingTime: reading.readingTime };
    const source = { topic, shardId: item.shardId, sequenceNumber: item.sequenceNumber, receivedAt };
    const now = options.clock();
    let outcome: Awaited<ReturnType<typeof putReading>>;
    try {
      await options.registry.ensure(reading, now);
      outcome = await putReading(this.client, options.readingsTableName, reading, source, now);
    } catch (err) {
      if (!isValidationError(err)) throw err;
      return this.stillFailing(item, refusalReason(err), `DynamoDB refused the reading: ${err.message}`, options);
    }
    if (outcome.kind === 'conflict') {
      await this.quarantine(
        item,
        {
          reason: 'conflict',
          message: `replayed reading ${reading.seriesKey} @ ${reading.readingTime} is ${reading.value}, the stored one ${outcome.storedValue}: the stored reading is kept`,
          conflict: {
            ...at,
            storedValue: outcome.storedValue,
            storedSource: outcome.storedSource,
            conflictingValue: reading.value,
            conflictingSource: source,
          },
        },
        options,
      );
      await this.delete(item);
      return {
        ...base,
        ...at,
        outcome: 'conflict',
        newReason: 'conflict',
        message: `conflicts with the stored value ${outcome.storedValue}; recorded as a conflict`,
      };
    }
    await this.delete(item);
    return {
      ...base,
      ...at,
      outcome: outcome.kind,
      message: outcome.kind === 'stored' ? `stored ${reading.value}` : 'already stored with the same value',
    };
  }

  private async stillFailing(
    item: QuarantinedItem,
    reason: QuarantineReason,
    message: string,
    options: { clock: () => Date; retentionDays: number },
  ): Promise<ReplayedItem> {
    const base = { pk: item.pk, reason: item.reason };
    if (reason === item.reason) return { ...base, outcome: 'still-failing', message };
    await this.quarantine(item, { reason, message }, options);
    await this.delete(item);
    return { ...base, outcome: 'reason-changed', newReason: reason, message };
  }

  private async quarantine(
    item: QuarantinedItem,
    entry: Pick<QuarantineEntry, 'reason' | 'message' | 'conflict'>,
    options: { clock: () => Date; retentionDays: number },
  ): Promise<void> {
    await putQuarantine(
      this.client,
      this.tableName,
      {
        ...entry,
        topic: item.topic,
        payload: item.payload,
        payloadSize: item.payloadSize,
        receivedAt: item.receivedAt,
        shardId: item.shardId,
        sequenceNumber: item.sequenceNumber,
      },
      { now: options.clock(), retentionDays: options.retentionDays },
    );
  }

  private async delete(item: QuarantinedItem): Promise<void> {
    await this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: { pk: { S: item.pk }, sk: { S: item.sk } } }),
    );
  }
}

/** Throws {@link InvalidArgumentError} unless `reason` is a quarantine reason. */
export function checkReason(reason: string): QuarantineReason {
  if (!isQuarantineReason(reason)) {
    throw new InvalidArgumentError(
      `reason must be one of ${QUARANTINE_REASONS.join(', ')}; got ${JSON.stringify(reason)}`,
    );
  }
  return reason;
}
