/**
 * The audit of the books: what the simulator published against what the tables hold, read from the tables
 * themselves (full Scans), plus the poller's and the bridge's counters. Used by `npm start`'s summary and by the
 * chaos and bench suites.
 *
 * The rule, strict enough to catch a single loss:
 * - readings: every unique reading published is stored exactly once, with its value; nothing else is stored;
 * - quarantine: every malformed message published is quarantined with its intended reason (matched item by item on
 *   topic and payload), and nothing else is (no conflict: the simulator sends none);
 * - duplicates: the ingest's duplicate outcomes are at least the duplicate deliveries published; in a clean run
 *   (`allowRedeliveries` false: no bridge restart, no broker restart) exactly that many, since any extra one is a
 *   redelivery that should not have happened;
 * - nothing unaccounted: every record the poller processed was stored, a duplicate or quarantined; none was given
 *   up on (no on-failure record); the bridge received and the stream held at least every published message (exactly,
 *   in a clean run).
 */
import {
  ScanCommand,
  type AttributeValue,
  type DynamoDBClient,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { normalizeDecimal, SERIES_REGISTRY_PREFIX } from '../core';
import { FeedBooks, malformedKey, readingKey } from './simulator/books';

const UNACCOUNTED = 'nothing unaccounted';

/** A row of the readings table, as far as the audit reads it. */
export interface StoredReading {
  readonly pk: string;
  readonly sk: string;
  readonly value: string;
}

/** A row of the quarantine table, as far as the audit reads it. */
export interface QuarantinedItem {
  readonly reason: string;
  readonly topic: string;
  readonly payload: Uint8Array;
}

/** What the two tables hold. */
export interface TableContents {
  /** Readings (the series registry's items left out). */
  readonly readings: readonly StoredReading[];
  readonly quarantine: readonly QuarantinedItem[];
}

/** Table names. */
export interface AuditTableNames {
  readonly readings: string;
  readonly quarantine: string;
}

async function scanAll(
  client: DynamoDBClient,
  tableName: string,
  projection: string,
  names?: Record<string, string>,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out: ScanCommandOutput = await client.send(
      new ScanCommand({
        TableName: tableName,
        ProjectionExpression: projection,
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Reads both tables completely. */
export async function readTables(client: DynamoDBClient, names: AuditTableNames): Promise<TableContents> {
  const [readings, quarantine] = await Promise.all([
    scanAll(client, names.readings, 'pk, sk, #v', { '#v': 'value' }),
    scanAll(client, names.quarantine, 'reason, topic, payload'),
  ]);
  return {
    readings: readings
      .filter((i) => !(i.pk?.S ?? '').startsWith(SERIES_REGISTRY_PREFIX))
      .map((i) => ({ pk: i.pk?.S ?? '', sk: i.sk?.S ?? '', value: i.value?.N ?? '' })),
    quarantine: quarantine.map((i) => ({
      reason: i.reason?.S ?? '',
      topic: i.topic?.S ?? '',
      payload: i.payload?.B ?? new Uint8Array(),
    })),
  };
}

/** Counts of the two tables only (Scan with Select COUNT): cheap enough for a live status. */
export async function countTables(
  client: DynamoDBClient,
  names: AuditTableNames,
): Promise<{ readings: number; quarantined: number; byReason: Record<string, number> }> {
  const count = async (tableName: string, filter?: string) => {
    let total = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out: ScanCommandOutput = await client.send(
        new ScanCommand({
          TableName: tableName,
          Select: 'COUNT',
          ...(filter
            ? {
                FilterExpression: filter,
                ExpressionAttributeValues: { ':p': { S: SERIES_REGISTRY_PREFIX } },
              }
            : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      total += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    return total;
  };
  const [readings, reasons] = await Promise.all([
    count(names.readings, 'NOT begins_with(pk, :p)'),
    scanAll(client, names.quarantine, 'reason'),
  ]);
  const byReason: Record<string, number> = {};
  for (const r of reasons) {
    const reason = r.reason?.S ?? '?';
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  }
  return { readings, quarantined: reasons.length, byReason };
}

/** The ingest's own outcome counts (from its metrics), when the caller has them. */
export interface IngestCounts {
  readonly stored: number;
  readonly duplicates: number;
  readonly conflicts: number;
  readonly quarantined: number;
}

/** Everything the audit compares. */
export interface AuditInput {
  /**
   * The simulator's books. Without them (a real feed: no simulator) only what needs no books is checked: nothing
   * unaccounted, no batch given up on. @default - none
   */
  readonly books?: FeedBooks;
  readonly tables: TableContents;
  /** The poller's counters. @default - not checked */
  readonly poller?: { readonly recordsProcessed: number; readonly recordsSkipped: number; readonly onFailure: number };
  /** The bridge's counters (its /status). @default - not checked */
  readonly bridge?: { readonly received: number; readonly written: number };
  /** The ingest's outcomes. @default - duplicates derived from the poller's count and the tables */
  readonly ingest?: IngestCounts;
  /** True when redeliveries are expected (a bridge or broker was restarted). @default false */
  readonly allowRedeliveries?: boolean;
  /** What the raw archive holds (records counted in its objects). @default - not checked */
  readonly archive?: { readonly records: number };
}

/** One check of the audit. */
export interface AuditCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The audit's result: the summary's numbers and its checks. */
export interface AuditResult {
  readonly published: number;
  /** Records in the raw archive, when it was counted. */
  readonly archived?: number;
  readonly unique: number;
  readonly duplicatesPublished: number;
  /** Of the duplicates published, the re-sends with a new system time or the other schema version. */
  readonly resendsPublished: number;
  /** Messages published in another provider form, by form. */
  readonly providerForms: Record<string, number>;
  readonly malformed: { readonly total: number; readonly byReason: Record<string, number> };
  readonly stored: number;
  /** Duplicate deliveries the ingest skipped (its own count, or derived: processed - stored - quarantined). */
  readonly duplicates: number;
  readonly conflicts: number;
  readonly quarantined: { readonly total: number; readonly byReason: Record<string, number> };
  /** Deliveries beyond what was published (broker redeliveries): 0 in a clean run. */
  readonly redeliveries: number;
  /** Unique readings not in the readings table. */
  readonly missing: number;
  /** Readings stored that were never published, or stored twice. */
  readonly unexpected: number;
  /** Readings stored with another value than published. */
  readonly wrongValues: number;
  /** Quarantine items that match no published malformed message (or with another reason). */
  readonly unexpectedQuarantine: number;
  readonly checks: readonly AuditCheck[];
  readonly balanced: boolean;
}

/** Compares the books with the tables and counters. Pure. */
export function audit(input: AuditInput): AuditResult {
  const known = input.books !== undefined;
  const bookKeeping = input.books ?? new FeedBooks();
  const books = bookKeeping.summary();
  const expected = bookKeeping.expectedReadings();
  const expectedMalformed = bookKeeping.expectedMalformed();
  const checks: AuditCheck[] = [];
  // Without books, only the check that needs none ('nothing unaccounted') is made.
  const check = (name: string, ok: boolean, detail: string) => {
    if (known || name === UNACCOUNTED) checks.push({ name, ok, detail });
  };

  // Readings
  const seen = new Set<string>();
  let unexpected = 0;
  let wrongValues = 0;
  for (const row of input.tables.readings) {
    const key = readingKey(row.pk, row.sk);
    const want = expected.get(key);
    if (!want || seen.has(key)) {
      unexpected++;
      continue;
    }
    seen.add(key);
    const got = normalizeDecimal(row.value);
    if (!got.ok || got.value !== want.value) wrongValues++;
  }
  const stored = input.tables.readings.length;
  const missing = expected.size - seen.size;
  check(
    'stored == unique',
    stored === books.unique && missing === 0 && unexpected === 0,
    `${stored} stored, ${books.unique} unique published, ${missing} missing, ${unexpected} unexpected`,
  );
  check('values as published', wrongValues === 0, `${wrongValues} stored with another value`);

  // Quarantine
  const byReason: Record<string, number> = {};
  const matched = new Map<string, number>();
  let unexpectedQuarantine = 0;
  let conflicts = 0;
  for (const item of input.tables.quarantine) {
    byReason[item.reason] = (byReason[item.reason] ?? 0) + 1;
    if (item.reason === 'conflict') {
      conflicts++;
      unexpectedQuarantine++;
      continue;
    }
    const key = malformedKey(item.topic, item.payload);
    if (expectedMalformed.get(key) !== item.reason) {
      unexpectedQuarantine++;
      continue;
    }
    matched.set(key, (matched.get(key) ?? 0) + 1);
  }
  const quarantinedTotal = input.tables.quarantine.length;
  const malformedMissing = expectedMalformed.size - matched.size;
  const quarantineRedeliveries = [...matched.values()].reduce((sum, n) => sum + n - 1, 0);
  const reasons = new Set([...Object.keys(byReason), ...Object.keys(books.malformed.byReason)]);
  const reasonsDiffer = [...reasons].filter(
    (r) => r !== 'conflict' && (byReason[r] ?? 0) - quarantineRedeliveriesOf(r) !== (books.malformed.byReason[r] ?? 0),
  );
  function quarantineRedeliveriesOf(reason: string): number {
    let n = 0;
    for (const [key, count] of matched) if (expectedMalformed.get(key) === reason) n += count - 1;
    return n;
  }
  check(
    'quarantined == malformed, by reason',
    malformedMissing === 0 &&
      unexpectedQuarantine === 0 &&
      reasonsDiffer.length === 0 &&
      (input.allowRedeliveries || quarantineRedeliveries === 0),
    `${quarantinedTotal} quarantined, ${books.malformed.total} malformed published, ${malformedMissing} not quarantined, ${unexpectedQuarantine} unexpected (${conflicts} conflicts), ${quarantineRedeliveries} quarantined twice` +
      (reasonsDiffer.length ? `; reasons that differ: ${reasonsDiffer.join(', ')}` : ''),
  );

  // Duplicates and the rest
  const derivedDuplicates = input.poller ? input.poller.recordsProcessed - stored - quarantinedTotal : undefined;
  const duplicates = input.ingest?.duplicates ?? derivedDuplicates ?? 0;
  const deliveries = input.poller?.recordsProcessed;
  const redeliveries =
    deliveries !== undefined
      ? Math.max(0, deliveries - books.published)
      : Math.max(0, duplicates - books.duplicatesPublished);
  check(
    input.allowRedeliveries ? 'duplicates >= duplicates published' : 'duplicates == duplicates published',
    input.allowRedeliveries ? duplicates >= books.duplicatesPublished : duplicates === books.duplicatesPublished,
    `${duplicates} duplicates skipped, ${books.duplicatesPublished} duplicate deliveries published, ${redeliveries} redeliveries`,
  );
  if (input.poller) {
    const p = input.poller;
    const accounted = stored + duplicates + quarantinedTotal;
    check(
      UNACCOUNTED,
      p.recordsSkipped === 0 &&
        p.onFailure === 0 &&
        p.recordsProcessed === accounted &&
        (!known ||
          (input.allowRedeliveries ? p.recordsProcessed >= books.published : p.recordsProcessed === books.published)),
      `${p.recordsProcessed} stream records processed = ${stored} stored + ${duplicates} duplicates + ${quarantinedTotal} quarantined (${accounted}); ${books.published} published; ${p.onFailure} on-failure records (${p.recordsSkipped} records skipped)`,
    );
  }
  if (input.bridge) {
    const b = input.bridge;
    const ok = input.allowRedeliveries
      ? b.received >= books.published && b.written >= books.published
      : b.received === books.published && b.written === books.published;
    check(
      'bridge received and wrote every message',
      ok,
      `bridge received ${b.received}, wrote ${b.written} to Kinesis; ${books.published} published`,
    );
  }
  if (input.archive) {
    // the archive is the stream's second consumer: it holds every record the ingest saw, so every message published
    const a = input.archive.records;
    const streamRecords = input.poller?.recordsProcessed;
    const ok =
      (streamRecords === undefined || a === streamRecords) &&
      (input.allowRedeliveries ? a >= books.published : a === books.published);
    check(
      'archived == published',
      ok,
      `the raw archive holds ${a} records; ${books.published} published` +
        (streamRecords === undefined ? '' : `, ${streamRecords} processed by the ingest`),
    );
  }
  return {
    published: books.published,
    ...(input.archive ? { archived: input.archive.records } : {}),
    unique: books.unique,
    duplicatesPublished: books.duplicatesPublished,
    resendsPublished: books.resendsPublished,
    providerForms: { ...books.providerForms },
    malformed: { total: books.malformed.total, byReason: { ...books.malformed.byReason } },
    stored,
    duplicates,
    conflicts,
    quarantined: { total: quarantinedTotal, byReason },
    redeliveries,
    missing,
    unexpected,
    wrongValues,
    unexpectedQuarantine,
    checks,
    balanced: checks.every((c) => c.ok),
  };
}
