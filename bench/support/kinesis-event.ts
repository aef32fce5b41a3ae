/** Kinesis events as Lambda delivers them, built from the bridge's stream records (pure). */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { EncodedStreamRecord } from '../../core';

/** The shard every benchmark record sits on. */
export const BENCH_SHARD = 'shardId-000000000000';

/** A sequence number for position `n` on the shard: increasing, as Kinesis's are. */
export function sequenceNumberOf(n: number): string {
  return (10n ** 40n + BigInt(n)).toString();
}

/** One Lambda Kinesis record for a stream record at position `n`. */
export function kinesisRecord(record: EncodedStreamRecord, n: number, arrivedAt = Date.now()): KinesisStreamRecord {
  const sequenceNumber = sequenceNumberOf(n);
  return {
    eventID: `${BENCH_SHARD}:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    awsRegion: 'us-east-1',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.partitionKey,
      sequenceNumber,
      data: Buffer.from(record.data).toString('base64'),
      approximateArrivalTimestamp: arrivedAt / 1000,
    },
  };
}

/** A Lambda Kinesis event of the given records, positions starting at `first`. */
export function kinesisEvent(records: readonly EncodedStreamRecord[], first: number): KinesisStreamEvent {
  return { Records: records.map((r, i) => kinesisRecord(r, first + i)) };
}
