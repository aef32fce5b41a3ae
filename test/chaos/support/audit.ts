/**
 * The books check that ends every data scenario: the readings and quarantine tables read back in full and compared
 * with what the feed simulator's books say was published.
 *
 * - every unique reading is stored exactly once, with its first-delivered value;
 * - every malformed message is quarantined with the reason it was built for;
 * - nothing else is in either table (series-registry items, documented in core/table-layout.ts, are not readings).
 *
 * A malformed message that the broker delivered twice (the bridge died before acknowledging it) reaches Kinesis
 * twice and is quarantined once per Kinesis record, by design (quarantine items are keyed by the record); such
 * copies are counted as `quarantineRedeliveries`, not as errors.
 */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { normalizeDecimal, SERIES_REGISTRY_PREFIX } from '../../../core';
import { malformedKey, readingKey, type FeedBooks } from '../../../local/simulator/books';
import type { ExpectedReading } from '../../../local/simulator/feed';

/** What the audit found. */
export interface AuditReport {
  /** Unique readings expected, malformed messages expected. */
  readonly expectedReadings: number;
  readonly expectedMalformed: number;
  readonly storedReadings: number;
  readonly quarantineItems: number;
  /** Expected readings with no item. */
  readonly missingReadings: readonly string[];
  /** Items whose value is not the first-delivered one. */
  readonly wrongValues: readonly string[];
  /** Reading items nobody published. */
  readonly unexpectedReadings: readonly string[];
  /** Malformed messages with no quarantine item. */
  readonly missingQuarantine: readonly string[];
  /** Quarantine items with a reason other than the one the message was built for. */
  readonly wrongReasons: readonly string[];
  /** Quarantine items that match no published malformed message (conflicts included). */
  readonly unexpectedQuarantine: readonly string[];
  /** Extra quarantine items of a malformed message delivered more than once (at-least-once, by design). */
  readonly quarantineRedeliveries: number;
  /** Readings not stored plus malformed messages not quarantined. */
  readonly lost: number;
  /** Rows that should not be there: unexpected readings, wrong values, unexpected quarantine items. */
  readonly extraRows: number;
  /** True when the books balance. */
  readonly balanced: boolean;
}

/** Reads every item of a table, in parallel segments. */
export async function scanAll(
  client: DynamoDBClient,
  tableName: string,
  projection: string,
  names?: Record<string, string>,
): Promise<Record<string, AttributeValue>[]> {
  const segments = 4;
  const pages = await Promise.all(
    Array.from({ length: segments }, async (_, segment) => {
      const items: Record<string, AttributeValue>[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: tableName,
            Segment: segment,
            TotalSegments: segments,
            ProjectionExpression: projection,
            ...(names ? { ExpressionAttributeNames: names } : {}),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    }),
  );
  return pages.flat();
}

function canonical(value: string): string {
  const r = normalizeDecimal(value);
  return r.ok ? r.value : `invalid:${value}`;
}

/** Compares the tables with the books of one or more simulator runs (distinct seeds, so no reading is shared). */
export async function auditTables(
  client: DynamoDBClient,
  tables: { readonly readings: string; readonly quarantine: string },
  books: readonly FeedBooks[],
): Promise<AuditReport> {
  const expected = new Map<string, ExpectedReading>();
  const malformed = new Map<string, string>();
  for (const b of books) {
    for (const [k, r] of b.expectedReadings()) if (!expected.has(k)) expected.set(k, r);
    for (const [k, reason] of b.expectedMalformed()) malformed.set(k, reason);
  }
  const [readings, quarantine] = await Promise.all([
    scanAll(client, tables.readings, 'pk, sk, #v', { '#v': 'value' }),
    scanAll(client, tables.quarantine, 'pk, sk, reason, topic, payload'),
  ]);

  const missingReadings: string[] = [];
  const wrongValues: string[] = [];
  const unexpectedReadings: string[] = [];
  const seen = new Set<string>();
  let storedReadings = 0;
  for (const item of readings) {
    const pk = item.pk?.S ?? '';
    if (pk.startsWith(SERIES_REGISTRY_PREFIX)) continue;
    storedReadings += 1;
    const key = readingKey(pk, item.sk?.S ?? '');
    seen.add(key);
    const want = expected.get(key);
    if (!want) unexpectedReadings.push(`${pk} ${item.sk?.S}`);
    else if (canonical(item.value?.N ?? '') !== canonical(want.value)) {
      wrongValues.push(`${pk} ${item.sk?.S}: stored ${item.value?.N}, first delivered ${want.value}`);
    }
  }
  for (const [key, r] of expected) if (!seen.has(key)) missingReadings.push(`${r.pk} ${r.sk}`);

  const wrongReasons: string[] = [];
  const unexpectedQuarantine: string[] = [];
  const quarantined = new Map<string, number>();
  for (const item of quarantine) {
    const topic = item.topic?.S ?? '';
    const payload = item.payload?.B ?? new Uint8Array();
    const key = malformedKey(topic, payload);
    const want = malformed.get(key);
    const reason = item.reason?.S ?? item.sk?.S ?? '';
    const label = `${item.pk?.S} ${reason} ${JSON.stringify(topic)}`;
    if (!want) unexpectedQuarantine.push(label);
    else if (want !== reason) wrongReasons.push(`${label}: expected ${want}`);
    else quarantined.set(key, (quarantined.get(key) ?? 0) + 1);
  }
  const missingQuarantine: string[] = [];
  let quarantineRedeliveries = 0;
  for (const [key, reason] of malformed) {
    const n = quarantined.get(key) ?? 0;
    if (n === 0) missingQuarantine.push(`${reason} ${JSON.stringify(key.split('\u0000')[0])}`);
    else quarantineRedeliveries += n - 1;
  }
  const lost = missingReadings.length + missingQuarantine.length;
  const extraRows = unexpectedReadings.length + wrongValues.length + unexpectedQuarantine.length + wrongReasons.length;
  return {
    expectedReadings: expected.size,
    expectedMalformed: malformed.size,
    storedReadings,
    quarantineItems: quarantine.length,
    missingReadings,
    wrongValues,
    unexpectedReadings,
    missingQuarantine,
    wrongReasons,
    unexpectedQuarantine,
    quarantineRedeliveries,
    lost,
    extraRows,
    balanced: lost === 0 && extraRows === 0,
  };
}

/** A short text of an audit for a failure message: counts and the first few of each problem. */
export function describeAudit(a: AuditReport): string {
  const few = (name: string, list: readonly string[]) =>
    list.length === 0 ? [] : [`${name}: ${list.length}, e.g. ${list.slice(0, 5).join('; ')}`];
  return [
    `expected ${a.expectedReadings} readings and ${a.expectedMalformed} malformed; stored ${a.storedReadings} readings and ${a.quarantineItems} quarantine items (${a.quarantineRedeliveries} redelivered copies)`,
    ...few('missing readings', a.missingReadings),
    ...few('wrong values', a.wrongValues),
    ...few('unexpected readings', a.unexpectedReadings),
    ...few('malformed not quarantined', a.missingQuarantine),
    ...few('wrong reasons', a.wrongReasons),
    ...few('unexpected quarantine items', a.unexpectedQuarantine),
  ].join('\n');
}

/** Asserts that an audit found nothing wrong; a failure lists the counts and the first few of each problem. */
export function expectBooksBalanced(audit: AuditReport): void {
  const clean: AuditReport = {
    ...audit,
    missingReadings: [],
    wrongValues: [],
    unexpectedReadings: [],
    missingQuarantine: [],
    wrongReasons: [],
    unexpectedQuarantine: [],
  };
  expect(describeAudit(audit)).toBe(describeAudit(clean));
  expect(audit.balanced).toBe(true);
}
