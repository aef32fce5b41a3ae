/**
 * From a Kinesis record to what the ingest function does with it, purely: a reading to store, or a rejection to
 * quarantine. The order is the envelope, then its `truncated` flag (a payload too large for the stream is `too-large`
 * whatever its topic), then the topic, then the payload, all by `core/`.
 */
import { decodeReading, decodeStreamRecord, type Reading, type RejectionReason, type ReplayMarker } from '../../core';
import type { IncomingRecord } from './kinesis-record';

/** A record that decoded into a reading. */
export interface DecodedReading {
  readonly kind: 'reading';
  readonly record: IncomingRecord;
  readonly reading: Reading;
  readonly topic: string;
  /** The bridge's receive time, from the envelope. */
  readonly receivedAt: string;
  /** The raw payload bytes, kept for a conflict's quarantine item. */
  readonly payload: Uint8Array;
  /** Set when a replay put the record back into the stream. */
  readonly replay?: ReplayMarker;
}

/** A record that `core/` rejected. */
export interface RejectedRecord {
  readonly kind: 'rejected';
  readonly record: IncomingRecord;
  readonly reason: RejectionReason;
  readonly message: string;
  /** The envelope's topic; empty when the envelope itself is bad. */
  readonly topic: string;
  /** The bridge's receive time, or Kinesis's arrival time when the envelope is bad. */
  readonly receivedAt: string;
  /** The raw payload bytes; the whole record's data when the envelope is bad; a prefix when truncated. */
  readonly payload: Uint8Array;
  /** Size of the original payload in bytes (larger than `payload` when the bridge truncated it). */
  readonly payloadSize: number;
  /** Set when a replay put the record back into the stream. */
  readonly replay?: ReplayMarker;
}

/** What one record is. */
export type DecodedRecord = DecodedReading | RejectedRecord;

/** Decodes one record. Never throws. `fallbackTime` stands in for a receive time the record does not carry. */
export function decodeIncoming(record: IncomingRecord, fallbackTime: string): DecodedRecord {
  const envelope = decodeStreamRecord(record.data);
  if (!envelope.ok) {
    return {
      kind: 'rejected',
      record,
      reason: envelope.reason,
      message: envelope.message,
      topic: '',
      receivedAt: record.arrivedAt ?? fallbackTime,
      payload: record.data,
      payloadSize: record.data.byteLength,
    };
  }
  const { topic, receivedAt, payload, size, replay } = envelope.value;
  const marker = replay ? { replay } : {};
  const rejected = (reason: RejectionReason, message: string): RejectedRecord => ({
    kind: 'rejected',
    record,
    reason,
    message,
    topic,
    receivedAt,
    payload,
    payloadSize: size,
    ...marker,
  });
  if (envelope.value.truncated) {
    return rejected(
      'too-large',
      `payload is ${size} bytes, too large for the stream; the bridge kept its first ${payload.byteLength} bytes`,
    );
  }
  const reading = decodeReading(topic, payload);
  if (!reading.ok) return rejected(reading.reason, reading.message);
  return { kind: 'reading', record, reading: reading.value, topic, receivedAt, payload, ...marker };
}
