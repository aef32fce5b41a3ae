/**
 * A Kinesis record as Lambda delivers it, reduced to what the ingest function uses: where it sits on the stream and
 * its raw data bytes (base64 in the event, decoded here explicitly).
 */
import type { KinesisStreamRecord } from 'aws-lambda';

/** One record of a batch: its place on the stream and its data. */
export interface IncomingRecord {
  /** Position in the batch, 0-based: the stream order within the batch. */
  readonly index: number;
  /** The shard, from the event ID `<shardId>:<sequenceNumber>` (that is how Lambda forms it). */
  readonly shardId: string;
  /** The record's sequence number: the `itemIdentifier` of a batch item failure. */
  readonly sequenceNumber: string;
  /** The Kinesis partition key the bridge chose. */
  readonly partitionKey: string;
  /** The record's data: the stream envelope, raw. */
  readonly data: Uint8Array;
  /** When Kinesis accepted the record (ISO 8601), if the event says. */
  readonly arrivedAt?: string;
}

/** Shard ID used when an event ID carries none (never seen from Lambda; the local runner always sets it). */
export const UNKNOWN_SHARD = 'unknown-shard';

/** Reads one Lambda Kinesis record. */
export function fromKinesisRecord(record: KinesisStreamRecord, index: number): IncomingRecord {
  const colon = record.eventID?.indexOf(':') ?? -1;
  const shardId = colon > 0 ? record.eventID.slice(0, colon) : UNKNOWN_SHARD;
  const seconds = record.kinesis.approximateArrivalTimestamp;
  const arrived = typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined;
  return {
    index,
    shardId,
    sequenceNumber: record.kinesis.sequenceNumber,
    partitionKey: record.kinesis.partitionKey,
    data: new Uint8Array(Buffer.from(record.kinesis.data ?? '', 'base64')),
    ...(arrived && !Number.isNaN(arrived.getTime()) ? { arrivedAt: arrived.toISOString() } : {}),
  };
}
