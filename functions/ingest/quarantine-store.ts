/**
 * Writing a quarantine item: a rejected Kinesis record, or a conflicting delivery of a stored reading. The key is the
 * Kinesis record (`<shardId>/<sequenceNumber>`) and the reason, and the write is conditional, so a retried record
 * lands on the item that exists and changes nothing (the first `quarantinedAt` and expiry stay).
 *
 * Every item stays far under DynamoDB's 400 KB limit by construction: at most {@link MAX_QUARANTINED_PAYLOAD_BYTES}
 * of payload (the rest is counted in `payloadSize` and flagged `payloadTruncated`), and the topic and message cut to
 * a few kilobytes. So a quarantine write never fails for the data it carries. The layout is `core/table-layout.ts`.
 */
import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  isKeptUntilReplayed,
  MAX_PAYLOAD_BYTES,
  quarantineReasonShard,
  type QuarantineReason,
  type ReplayMarker,
} from '../../core';
import { isConditionalCheckFailed } from './dynamodb-errors';
import type { ReadingSource } from './reading-store';

/** Most payload bytes kept in one quarantine item: as many as the decoder reads. */
export const MAX_QUARANTINED_PAYLOAD_BYTES = MAX_PAYLOAD_BYTES;

/** Most characters kept of a topic or a message in one quarantine item. */
export const MAX_QUARANTINED_TEXT_CHARS = 2048;

/** A conflict's two sides. */
export interface ConflictDetails {
  readonly seriesKey: string;
  readonly readingTime: string;
  readonly storedValue: string;
  readonly storedSource: ReadingSource;
  readonly conflictingValue: string;
  readonly conflictingSource: ReadingSource;
}

/** What goes into one quarantine item. */
export interface QuarantineEntry {
  readonly reason: QuarantineReason;
  /** What was wrong, for a person. */
  readonly message: string;
  readonly topic: string;
  /** The raw payload bytes (the whole record's data for a bad envelope). */
  readonly payload: Uint8Array;
  /** Size of the original payload. @default - `payload.byteLength` */
  readonly payloadSize?: number;
  /** The bridge's receive time (or Kinesis's arrival time when the envelope is unreadable). */
  readonly receivedAt: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Set for reason `conflict`. */
  readonly conflict?: ConflictDetails;
  /** Set when the record is a replay (the key is then the original record's). */
  readonly replay?: ReplayMarker;
}

/** When to write and how long to keep. */
export interface QuarantineWriteOptions {
  readonly now: Date;
  readonly retentionDays: number;
}

/** What {@link putQuarantine} did: created the item, or found it there from an earlier delivery. */
export type QuarantineOutcome = { readonly kind: 'created' } | { readonly kind: 'exists' };

/** The quarantine `pk` of a Kinesis record. */
export function quarantineKey(shardId: string, sequenceNumber: string): string {
  return `${shardId}/${sequenceNumber}`;
}

/** The `expiresAt` TTL value (epoch seconds) of an item quarantined at `now`. */
export function expiresAt(now: Date, retentionDays: number): number {
  return Math.floor(now.getTime() / 1000) + retentionDays * 86_400;
}

/** The quarantine table item of an entry. */
export function quarantineItem(
  entry: QuarantineEntry,
  options: QuarantineWriteOptions,
): Record<string, AttributeValue> {
  const payloadSize = entry.payloadSize ?? entry.payload.byteLength;
  const payload =
    entry.payload.byteLength > MAX_QUARANTINED_PAYLOAD_BYTES
      ? entry.payload.subarray(0, MAX_QUARANTINED_PAYLOAD_BYTES)
      : entry.payload;
  const pk = quarantineKey(entry.shardId, entry.sequenceNumber);
  const item: Record<string, AttributeValue> = {
    pk: { S: pk },
    sk: { S: entry.reason },
    // both index keys: `reason` for the legacy `byReason` index while it exists, `reasonShard` for `byReasonSpread`
    reason: { S: entry.reason },
    reasonShard: { S: quarantineReasonShard(entry.reason, pk) },
    message: { S: cut(entry.message) },
    topic: { S: cut(entry.topic) },
    payload: { B: payload },
    payloadSize: { N: String(payloadSize) },
    receivedAt: { S: entry.receivedAt },
    quarantinedAt: { S: options.now.toISOString() },
    shardId: { S: cut(entry.shardId) },
    sequenceNumber: { S: cut(entry.sequenceNumber) },
  };
  // a reason a decoder change can undo waits for its replay: no TTL (core/replay.ts)
  if (!isKeptUntilReplayed(entry.reason)) {
    item.expiresAt = { N: String(expiresAt(options.now, options.retentionDays)) };
  }
  if (entry.replay) {
    item.replayId = { S: entry.replay.id };
    item.replayedAt = { S: entry.replay.at };
    item.replaySource = { S: entry.replay.source };
  }
  if (payload.byteLength < payloadSize) item.payloadTruncated = { BOOL: true };
  const c = entry.conflict;
  if (c) {
    item.seriesKey = { S: c.seriesKey };
    item.readingTime = { S: c.readingTime };
    item.storedValue = { S: c.storedValue };
    item.storedSource = sourceMap(c.storedSource);
    item.conflictingValue = { S: c.conflictingValue };
    item.conflictingSource = sourceMap(c.conflictingSource);
  }
  return item;
}

/** Writes a quarantine item unless the same record was quarantined for the same reason before. */
export async function putQuarantine(
  client: DynamoDBClient,
  tableName: string,
  entry: QuarantineEntry,
  options: QuarantineWriteOptions,
): Promise<QuarantineOutcome> {
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: quarantineItem(entry, options),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { kind: 'created' };
  } catch (err) {
    if (isConditionalCheckFailed(err)) return { kind: 'exists' };
    throw err;
  }
}

function sourceMap(source: ReadingSource): AttributeValue {
  return {
    M: {
      topic: { S: cut(source.topic) },
      shardId: { S: source.shardId },
      sequenceNumber: { S: source.sequenceNumber },
      receivedAt: { S: source.receivedAt },
    },
  };
}

// a lone UTF-16 surrogate (possible in a JSON envelope's "\ud800") is not UTF-8, and DynamoDB refuses it
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text a quarantine item can always hold: well-formed Unicode, at most {@link MAX_QUARANTINED_TEXT_CHARS} long. */
function cut(text: string): string {
  const chars = Array.from(text);
  const kept =
    chars.length > MAX_QUARANTINED_TEXT_CHARS ? `${chars.slice(0, MAX_QUARANTINED_TEXT_CHARS).join('')}…` : text;
  return kept.replace(LONE_SURROGATE, '\uFFFD');
}
