/**
 * The archiver against a real S3 implementation on loopback (s3rver): every record of a batch lands byte-exact, with
 * its shard, sequence number, partition key and arrival time, in gzip NDJSON objects under `raw/yyyy/mm/dd/hh/`; a
 * retried batch overwrites its object; a failed write fails the batch so the mapping retries it.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamRecord } from 'aws-lambda';
import { decodeStreamRecord } from '../../core';
import { createArchiveHandler, loadArchiveConfig } from '../../functions/archive';
import { ArchiveError } from '../../functions/archive/errors';
import { localS3Client } from '../../local/aws-clients';
import { startS3Local, type S3Local } from '../../local/services/s3-local';
import { readArchive } from '../../tools/replay/archive-reader';
import { eventOf, SHARD, StreamFixture, v2Payload } from '../ingest/support/stream-events';

const BUCKET = 'archive-test';
const TOPIC = 'meters/outbound/demo/sub-1/m-00001';

let s3: S3Local;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3Local({ buckets: [BUCKET] });
  client = localS3Client(s3.endpoint);
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

function archiver(bucketName = BUCKET, prefix = 'raw/') {
  return createArchiveHandler({
    client,
    config: { bucketName, prefix },
    logger: new Logger({ serviceName: 'archive', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'test', serviceName: 'archive' }),
  });
}

async function keys(prefix: string): Promise<string[]> {
  const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

const at = (record: KinesisStreamRecord, iso: string): KinesisStreamRecord => ({
  ...record,
  kinesis: { ...record.kinesis, approximateArrivalTimestamp: Date.parse(iso) / 1000 },
});

describe('archiver', () => {
  it('writes every record byte-exact with its shard, sequence number, partition key and arrival time', async () => {
    // GIVEN a batch of valid envelopes and bytes that are no envelope at all
    const fixture = new StreamFixture();
    const records = [
      at(
        fixture.record({ topic: TOPIC, payload: v2Payload('2026-01-01T00:01:00.000Z', '1.5') }),
        '2026-03-04T05:06:07.008Z',
      ),
      at(fixture.raw(new Uint8Array([0xff, 0x00, 0x0a, 0x7b]), 'odd-key'), '2026-03-04T05:30:00.000Z'),
      at(
        fixture.record({ topic: TOPIC, payload: v2Payload('2026-01-01T00:02:00.000Z', '2.5') }),
        '2026-03-04T05:59:59.999Z',
      ),
    ];
    // WHEN the archiver handles it
    const result = await archiver('archive-test', 'exact/')(eventOf(records));
    // THEN one object, named by the first record, holds every record as it was
    const first = records[0]!.kinesis.sequenceNumber;
    expect(result.objects.map((o) => o.key)).toEqual([`exact/2026/03/04/05/${SHARD}-${first}.ndjson.gz`]);
    expect(await keys('exact/')).toEqual([`exact/2026/03/04/05/${SHARD}-${first}.ndjson.gz`]);
    const archived = [];
    for await (const { record } of readArchive({ client, bucket: BUCKET, prefix: 'exact/' })) archived.push(record);
    expect(archived).toEqual(
      records.map((r) => ({
        shardId: SHARD,
        sequenceNumber: r.kinesis.sequenceNumber,
        partitionKey: r.kinesis.partitionKey,
        arrivedAt: new Date(r.kinesis.approximateArrivalTimestamp * 1000).toISOString(),
        data: new Uint8Array(Buffer.from(r.kinesis.data, 'base64')),
      })),
    );
    expect(decodeStreamRecord(archived[0]!.data).ok).toBe(true);
  });

  it('splits a batch at the hour of arrival, each object in its own hour prefix', async () => {
    const fixture = new StreamFixture();
    const records = [
      at(fixture.raw(Buffer.from('a')), '2026-03-04T23:59:59.000Z'),
      at(fixture.raw(Buffer.from('b')), '2026-03-05T00:00:00.000Z'),
      at(fixture.raw(Buffer.from('c')), '2026-03-05T00:10:00.000Z'),
    ];
    const result = await archiver('archive-test', 'hours/')(eventOf(records));
    expect(result.objects.map((o) => [o.key, o.records])).toEqual([
      [`hours/2026/03/04/23/${SHARD}-${records[0]!.kinesis.sequenceNumber}.ndjson.gz`, 1],
      [`hours/2026/03/05/00/${SHARD}-${records[1]!.kinesis.sequenceNumber}.ndjson.gz`, 2],
    ]);
    const range = { from: new Date('2026-03-05T00:00:00.000Z'), to: new Date('2026-03-05T01:00:00.000Z') };
    const read = [];
    for await (const { record } of readArchive({ client, bucket: BUCKET, prefix: 'hours/' }, range)) {
      read.push(Buffer.from(record.data).toString());
    }
    expect(read).toEqual(['b', 'c']);
  });

  it('overwrites its object when the same batch is retried, adding none', async () => {
    const fixture = new StreamFixture();
    const records = Array.from({ length: 50 }, (_, i) =>
      at(fixture.raw(Buffer.from(`r${i}`)), '2026-03-06T10:00:00.000Z'),
    );
    const handle = archiver('archive-test', 'retry/');
    await handle(eventOf(records));
    const before = await keys('retry/');
    // a retry of a batch killed after its write (or during it) writes the same key again
    await handle(eventOf(records));
    expect(await keys('retry/')).toEqual(before);
    expect(before).toHaveLength(1);
    let n = 0;
    for await (const _ of readArchive({ client, bucket: BUCKET, prefix: 'retry/' })) n++;
    expect(n).toBe(50);
  });

  it('fails the whole batch when S3 refuses a write, so the event source mapping retries it', async () => {
    const fixture = new StreamFixture();
    await expect(archiver('no-such-bucket')(eventOf([fixture.raw(Buffer.from('x'))]))).rejects.toThrow(ArchiveError);
  });
});

describe('archiver configuration', () => {
  it.each([
    [{}, 'ARCHIVE_BUCKET_NAME is not set: it must name the archive S3 bucket'],
    [
      { ARCHIVE_BUCKET_NAME: 'Bad_Bucket' },
      'ARCHIVE_BUCKET_NAME must be an S3 bucket name (3-63 characters of a-z 0-9 . -), got "Bad_Bucket"',
    ],
    [
      { ARCHIVE_BUCKET_NAME: 'ok-bucket', ARCHIVE_PREFIX: 'raw' },
      'ARCHIVE_PREFIX must be one or more path segments each ending with "/" (such as "raw/"), got "raw"',
    ],
  ])('fails with %j', (env, message) => {
    expect(() => loadArchiveConfig(env)).toThrow(message);
  });

  it('defaults the prefix to raw/', () => {
    expect(loadArchiveConfig({ ARCHIVE_BUCKET_NAME: 'ok-bucket' })).toEqual({
      bucketName: 'ok-bucket',
      prefix: 'raw/',
    });
  });
});
