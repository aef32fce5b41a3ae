/**
 * Kinesis-shaped Lambda events built the way the bridge and Lambda build them: data from core's
 * `encodeStreamRecord`, base64 in the event, `eventID` = `<shardId>:<sequenceNumber>`, increasing sequence numbers.
 */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { encodeStreamRecord } from '../../../core';

/** The provider's v1 sample payload, verbatim. */
export const SAMPLE_V1 = `{
    "smarteo_payload_schema_version": 1,
    "data_timestamp_utc": "2023-01-01T12:34:56.789Z",
    "system_timestamp_utc": "2023-01-01T12:30:00.000Z",
    "register_id": 2,
    "meter_reading": 123.456
}`;

/** The provider's v2 sample payload, verbatim. */
export const SAMPLE_V2 = `{
    "smarteo_payload_schema_version": 2,
    "measurement_start_timestamp_utc": "2023-01-01T12:00:00.000Z",
    "measurement_end_timestamp_utc": "2023-01-01T12:01:00.000Z",
    "register_id": 12,
    "value": 123.456
}`;

/** The default shard of test events. */
export const SHARD = 'shardId-000000000000';

/** A message to deliver. */
export interface Delivery {
  readonly topic: string;
  readonly payload: string | Uint8Array;
  /** @default '2026-01-01T00:00:00.000Z' */
  readonly receivedAt?: string;
}

/** A v2 payload of one interval ending at `end` with `value` (JSON number text). */
export function v2Payload(end: string, value: string, registerId = 12, startMillisBefore = 60_000): string {
  const start = new Date(Date.parse(end) - startMillisBefore).toISOString();
  return `{"smarteo_payload_schema_version":2,"measurement_start_timestamp_utc":"${start}","measurement_end_timestamp_utc":"${end}","register_id":${registerId},"value":${value}}`;
}

/** A v1 payload read at `time` with `value`. */
export function v1Payload(time: string, value: string): string {
  return `{"smarteo_payload_schema_version":1,"data_timestamp_utc":"${time}","system_timestamp_utc":"${time}","register_id":2,"meter_reading":${value}}`;
}

/** Hands out increasing sequence numbers, like one Kinesis stream. */
export class StreamFixture {
  private next = 0n;

  constructor(private readonly shardId = SHARD) {}

  /** A record carrying a message, encoded as the bridge does. */
  record(delivery: Delivery): KinesisStreamRecord {
    const bytes = typeof delivery.payload === 'string' ? Buffer.from(delivery.payload, 'utf8') : delivery.payload;
    const encoded = encodeStreamRecord({
      topic: delivery.topic,
      payload: bytes,
      receivedAt: delivery.receivedAt ?? '2026-01-01T00:00:00.000Z',
    });
    return this.raw(encoded.data, encoded.partitionKey);
  }

  /** A record carrying arbitrary data. */
  raw(data: Uint8Array, partitionKey = 'raw'): KinesisStreamRecord {
    this.next++;
    const sequenceNumber = (49_600_000_000_000_000_000_000_000_000n + this.next).toString();
    return kinesisEventRecord({ shardId: this.shardId, sequenceNumber, partitionKey, data });
  }
}

/** One record of a Kinesis event as the event source mapping hands it to a function. */
export function kinesisEventRecord(r: {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** @default 2026-01-01T00:00:00.5Z */
  readonly arrivalSeconds?: number;
}): KinesisStreamRecord {
  return {
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${r.shardId}:${r.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/ingest',
    awsRegion: 'eu-west-1',
    eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.partitionKey,
      sequenceNumber: r.sequenceNumber,
      data: Buffer.from(r.data).toString('base64'),
      approximateArrivalTimestamp: r.arrivalSeconds ?? 1767225600.5,
    },
  };
}

/** An event of records. */
export function eventOf(records: readonly KinesisStreamRecord[]): KinesisStreamEvent {
  return { Records: [...records] };
}

/** The sequence numbers of records. */
export function sequenceNumbers(records: readonly KinesisStreamRecord[]): string[] {
  return records.map((r) => r.kinesis.sequenceNumber);
}
