/** From a Lambda Kinesis record to a reading or a rejection, purely. */
import { encodeStreamRecord, MAX_PAYLOAD_BYTES } from '../../core';
import { decodeIncoming } from '../../functions/ingest/decode-record';
import { fromKinesisRecord, UNKNOWN_SHARD } from '../../functions/ingest/kinesis-record';
import { SAMPLE_V2, StreamFixture } from './support/stream-events';

const FALLBACK = '2030-01-01T00:00:00.000Z';

describe('fromKinesisRecord', () => {
  it('takes the shard from the event ID and decodes the base64 data', () => {
    // GIVEN a record as Lambda delivers it
    const record = new StreamFixture('shardId-000000000007').raw(Buffer.from('hello'), 'pk');
    // WHEN read
    const incoming = fromKinesisRecord(record, 3);
    // THEN it has its place on the stream and its raw bytes
    expect(incoming).toEqual({
      index: 3,
      shardId: 'shardId-000000000007',
      sequenceNumber: record.kinesis.sequenceNumber,
      partitionKey: 'pk',
      data: new Uint8Array(Buffer.from('hello')),
      arrivedAt: '2026-01-01T00:00:00.500Z',
    });
  });

  it('names the shard unknown when the event ID has no shard', () => {
    const record = new StreamFixture().raw(Buffer.from('x'));
    expect(fromKinesisRecord({ ...record, eventID: 'no-colon' }, 0).shardId).toBe(UNKNOWN_SHARD);
  });
});

describe('decodeIncoming', () => {
  const stream = new StreamFixture();
  const incoming = (record: ReturnType<StreamFixture['raw']>) => fromKinesisRecord(record, 0);

  it('decodes a reading with its topic, receive time and raw payload', () => {
    const record = stream.record({
      topic: 'meters/outbound/c/s/m',
      payload: SAMPLE_V2,
      receivedAt: '2026-01-01T00:00:01.000Z',
    });
    const decoded = decodeIncoming(incoming(record), FALLBACK);
    expect(decoded).toMatchObject({
      kind: 'reading',
      topic: 'meters/outbound/c/s/m',
      receivedAt: '2026-01-01T00:00:01.000Z',
      reading: { seriesKey: 'c/m/12', value: '123.456' },
    });
  });

  it('rejects a truncated payload as too-large before looking at its topic', () => {
    // GIVEN an oversized payload on a bad topic
    const record = stream.record({ topic: 'not/a/topic', payload: Buffer.alloc(MAX_PAYLOAD_BYTES + 1) });
    // WHEN decoded THEN the size wins
    expect(decodeIncoming(incoming(record), FALLBACK)).toMatchObject({
      kind: 'rejected',
      reason: 'too-large',
      topic: 'not/a/topic',
      payloadSize: MAX_PAYLOAD_BYTES + 1,
    });
  });

  it('rejects a bad envelope with the whole data as its payload and the arrival time as its receive time', () => {
    const record = stream.raw(Buffer.from('garbage'));
    expect(decodeIncoming(incoming(record), FALLBACK)).toMatchObject({
      kind: 'rejected',
      reason: 'bad-envelope',
      topic: '',
      receivedAt: '2026-01-01T00:00:00.500Z',
      payload: new Uint8Array(Buffer.from('garbage')),
    });
  });

  it('uses the fallback time for a bad envelope without an arrival time', () => {
    const record = stream.raw(Buffer.from('garbage'));
    const { approximateArrivalTimestamp: _drop, ...kinesis } = record.kinesis;
    const decoded = decodeIncoming(
      fromKinesisRecord({ ...record, kinesis: kinesis as typeof record.kinesis }, 0),
      FALLBACK,
    );
    expect(decoded.receivedAt).toBe(FALLBACK);
  });

  it('rejects a bad topic with the payload untouched', () => {
    const encoded = encodeStreamRecord({
      topic: 'meters/outbound/c',
      payload: Buffer.from(SAMPLE_V2),
      receivedAt: FALLBACK,
    });
    const decoded = decodeIncoming(incoming(stream.raw(encoded.data)), FALLBACK);
    expect(decoded).toMatchObject({
      kind: 'rejected',
      reason: 'bad-topic',
      payload: new Uint8Array(Buffer.from(SAMPLE_V2)),
    });
  });
});
