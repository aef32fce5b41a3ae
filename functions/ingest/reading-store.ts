/**
 * Writing one reading, once: a conditional PutItem that succeeds only when no item has the reading's key. When one
 * does, the stored item comes back with the refusal (`ReturnValuesOnConditionCheckFailure: ALL_OLD`, no extra read)
 * and is judged against the new delivery by the reading (`core`'s `judgeDelivery`): the same value (and, for v2, the
 * same interval start) is a duplicate, whatever else differs (the system time, the schema version), and the facts
 * that differ are named so they can be counted; a different value or interval is a conflict. A stored reading is
 * never overwritten: it keeps the first delivery's facts.
 *
 * Used by the ingest function and by the quarantine replay tool. The item layout is `core/table-layout.ts`.
 */
import { GetItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  judgeDelivery,
  normalizeDecimal,
  type OtherFact,
  type Reading,
  type ReadingFacts,
  type ReplayMarker,
} from '../../core';
import { isConditionalCheckFailed } from './dynamodb-errors';
import { IngestError } from './errors';

/** Where a delivery of a reading came from. */
export interface ReadingSource {
  readonly topic: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** The bridge's receive time (ISO 8601). */
  readonly receivedAt: string;
  /** Set when the delivery is a replay: the stored reading then says which, when, from where. */
  readonly replay?: ReplayMarker;
}

/** What {@link putReading} did. */
export type StoreOutcome =
  | { readonly kind: 'stored' }
  | {
      readonly kind: 'duplicate';
      /** The facts in which this delivery differs from the stored one (none for a plain redelivery). */
      readonly otherFacts: readonly OtherFact[];
    }
  | {
      readonly kind: 'conflict';
      /** The stored value, as DynamoDB returned it, canonical. */
      readonly storedValue: string;
      /** Where the stored reading came from. */
      readonly storedSource: ReadingSource;
      /** The stored reading's facts. */
      readonly stored: ReadingFacts;
    };

/** The readings table item of a reading. */
export function readingItem(reading: Reading, source: ReadingSource, now: Date): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {
    pk: { S: reading.seriesKey },
    sk: { S: reading.readingTime },
    value: { N: reading.value },
    customerId: { S: reading.customerId },
    subscriptionId: { S: reading.subscriptionId },
    meterId: { S: reading.meterId },
    registerId: { N: String(reading.registerId) },
    schemaVersion: { N: String(reading.schemaVersion) },
    receivedAt: { S: source.receivedAt },
    ingestedAt: { S: now.toISOString() },
    topic: { S: source.topic },
    shardId: { S: source.shardId },
    sequenceNumber: { S: source.sequenceNumber },
  };
  if (reading.intervalStart !== undefined) item.intervalStart = { S: reading.intervalStart };
  if (reading.systemTime !== undefined) item.systemTime = { S: reading.systemTime };
  if (reading.extraFields !== undefined) item.extraFields = { S: reading.extraFields };
  if (source.replay) Object.assign(item, replayAttributes(source.replay));
  return item;
}

/** The attributes that say a reading was stored by a replay (`core/table-layout.ts`). */
export function replayAttributes(replay: ReplayMarker): Record<string, AttributeValue> {
  return {
    replayId: { S: replay.id },
    replayedAt: { S: replay.at },
    replaySource: { S: replay.source },
    replayOf: { S: replay.of },
    ...(replay.reason !== undefined ? { replayReason: { S: replay.reason } } : {}),
  };
}

/**
 * Writes a reading unless one with its identity exists. Throws the SDK's error on anything but a failed condition
 * (the caller decides between a data refusal and a failure, see `dynamodb-errors.ts`).
 */
export async function putReading(
  client: DynamoDBClient,
  tableName: string,
  reading: Reading,
  source: ReadingSource,
  now: Date,
): Promise<StoreOutcome> {
  let old: Record<string, AttributeValue> | undefined;
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: readingItem(reading, source, now),
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { kind: 'stored' };
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
    old = err.Item;
  }
  // An implementation that ignores ReturnValuesOnConditionCheckFailure: read the item instead.
  old ??= (
    await client.send(
      new GetItemCommand({
        TableName: tableName,
        Key: { pk: { S: reading.seriesKey }, sk: { S: reading.readingTime } },
        ConsistentRead: true,
      }),
    )
  ).Item;
  if (!old) {
    throw new IngestError(`the reading ${reading.seriesKey} @ ${reading.readingTime} exists and then did not: retry`);
  }
  const stored = storedFacts(old);
  const judgement = judgeDelivery(stored, reading);
  if (judgement.kind === 'duplicate') return { kind: 'duplicate', otherFacts: judgement.otherFacts };
  return { kind: 'conflict', storedValue: stored.value, storedSource: storedSource(old), stored };
}

/** The facts of a stored reading item; the value in canonical form. */
export function storedFacts(item: Record<string, AttributeValue>): ReadingFacts {
  const raw = item.value?.N ?? '';
  const value = normalizeDecimal(raw);
  return {
    // a stored value that does not normalise cannot equal a decoded one: keep its text, it will be a conflict
    value: value.ok ? value.value : raw,
    readingTime: item.sk?.S ?? '',
    ...(item.intervalStart?.S !== undefined ? { intervalStart: item.intervalStart.S } : {}),
    ...(item.systemTime?.S !== undefined ? { systemTime: item.systemTime.S } : {}),
    ...(item.schemaVersion?.N !== undefined ? { schemaVersion: Number(item.schemaVersion.N) } : {}),
    ...(item.extraFields?.S !== undefined ? { extraFields: item.extraFields.S } : {}),
  };
}

/** Where a stored reading item came from. */
export function storedSource(item: Record<string, AttributeValue>): ReadingSource {
  return {
    topic: item.topic?.S ?? '',
    shardId: item.shardId?.S ?? '',
    sequenceNumber: item.sequenceNumber?.S ?? '',
    receivedAt: item.receivedAt?.S ?? '',
  };
}
