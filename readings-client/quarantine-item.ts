/**
 * Quarantine table items (see `core/table-layout.ts`) decoded into typed records: a rejected Kinesis record with its
 * reason and raw payload bytes, or a conflicting delivery with both values and both sources.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ItemShapeError } from './errors';

/** Where a delivery came from, as a quarantine item records it. */
export interface QuarantineSource {
  readonly topic: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly receivedAt: string;
}

/** A conflict's two sides: the reading kept (first delivered) and the delivery that disagreed. */
export interface QuarantinedConflict {
  readonly seriesKey: string;
  readonly readingTime: string;
  readonly storedValue: string;
  readonly storedSource: QuarantineSource;
  readonly conflictingValue: string;
  readonly conflictingSource: QuarantineSource;
}

/** One quarantine item. */
export interface QuarantinedItem {
  /** The item's key: `pk` is `<shardId>/<sequenceNumber>`, `sk` the reason. */
  readonly pk: string;
  readonly sk: string;
  /** The reason code: one of `core`'s `QUARANTINE_REASONS` (kept as text: a newer writer may know more). */
  readonly reason: string;
  readonly message: string;
  /** The MQTT topic; empty when the stream envelope itself was unreadable. */
  readonly topic: string;
  /** The raw payload bytes (the whole Kinesis record's data for `bad-envelope`). */
  readonly payload: Uint8Array;
  /** Size of the original payload in bytes. */
  readonly payloadSize: number;
  /** True when only a prefix of the payload was kept, so it can never be decoded again. */
  readonly payloadTruncated: boolean;
  readonly receivedAt: string;
  readonly quarantinedAt: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** TTL: when DynamoDB may delete the item, epoch seconds. */
  readonly expiresAt?: number;
  /** Set for reason `conflict`. */
  readonly conflict?: QuarantinedConflict;
}

function s(item: Record<string, AttributeValue>, name: string, what: string): string {
  const v = item[name]?.S;
  if (typeof v !== 'string') throw new ItemShapeError(`${what} has no string attribute "${name}"`);
  return v;
}

function source(item: Record<string, AttributeValue>, name: string, what: string): QuarantineSource {
  const m = item[name]?.M;
  if (!m) throw new ItemShapeError(`${what} has no map attribute "${name}"`);
  const inner = `${what} "${name}"`;
  return {
    topic: s(m, 'topic', inner),
    shardId: s(m, 'shardId', inner),
    sequenceNumber: s(m, 'sequenceNumber', inner),
    receivedAt: s(m, 'receivedAt', inner),
  };
}

/** Decodes a quarantine item. Throws {@link ItemShapeError} when it lacks a documented attribute. */
export function quarantinedItemFromItem(item: Record<string, AttributeValue>): QuarantinedItem {
  const what = `quarantine item ${JSON.stringify(item.pk?.S ?? '(no pk)')}/${JSON.stringify(item.sk?.S ?? '(no sk)')}`;
  const payload = item.payload?.B;
  if (!(payload instanceof Uint8Array)) throw new ItemShapeError(`${what} has no binary attribute "payload"`);
  const sizeText = item.payloadSize?.N;
  const expiresText = item.expiresAt?.N;
  const reason = s(item, 'reason', what);
  return {
    pk: s(item, 'pk', what),
    sk: s(item, 'sk', what),
    reason,
    message: s(item, 'message', what),
    topic: item.topic?.S ?? '',
    payload,
    payloadSize: sizeText === undefined ? payload.byteLength : Number(sizeText),
    payloadTruncated: item.payloadTruncated?.BOOL === true,
    receivedAt: s(item, 'receivedAt', what),
    quarantinedAt: s(item, 'quarantinedAt', what),
    shardId: s(item, 'shardId', what),
    sequenceNumber: s(item, 'sequenceNumber', what),
    ...(expiresText !== undefined ? { expiresAt: Number(expiresText) } : {}),
    ...(reason === 'conflict'
      ? {
          conflict: {
            seriesKey: s(item, 'seriesKey', what),
            readingTime: s(item, 'readingTime', what),
            storedValue: s(item, 'storedValue', what),
            storedSource: source(item, 'storedSource', what),
            conflictingValue: s(item, 'conflictingValue', what),
            conflictingSource: source(item, 'conflictingSource', what),
          },
        }
      : {}),
  };
}
