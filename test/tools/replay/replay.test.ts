/**
 * `npm run replay`, against s3rver, kinesalite and DynamoDB Local with the real archiver and ingest handler: each
 * source puts its selected records back into the stream with the run's marker and their original partition keys; a
 * dry run sends nothing; an interrupted run resumes and sends each record once; a replay stores each reading once
 * with its trace, and a second replay stores nothing new; bad input gets one line and exit 2.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { ReplayState } from '../../../tools/replay/replay-state';
import { loadState } from '../../../tools/replay/replay-state';
import { ReplayInterruptedError, runReplay } from '../../../tools/replay/replay-run';
import { archiveItems } from '../../../tools/replay/archive-source';
import { StreamFixture, v1Payload, v2Payload } from '../../ingest/support/stream-events';
import { readingItems, registryItems, scanAll } from '../../ingest/support/local-dynamodb';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import {
  ARCHIVE_BUCKET,
  FAILED_BUCKET,
  startReplayWorld,
  type InStream,
  type ReplayWorld,
} from './support/replay-world';

jest.setTimeout(120_000);

let world: ReplayWorld;
const fixture = new StreamFixture('shardId-000000000007');
/** 40 records: customers c1 and c2, meters m1 to m4, five readings each, in time order. */
const feed: KinesisStreamRecord[] = [];
for (let i = 0; i < 5; i++) {
  for (const c of ['c1', 'c2']) {
    for (const m of ['m1', 'm2', 'm3', 'm4']) {
      const end = new Date(Date.UTC(2026, 0, 1, 0, i + 1)).toISOString();
      feed.push(fixture.record({ topic: `meters/outbound/${c}/sub-1/${m}`, payload: v2Payload(end, `${i}.5`) }));
    }
  }
}
const RANGE = ['--from', '2026-01-01T00:00:00Z', '--to', '2026-01-01T01:00:00Z'];

beforeAll(async () => {
  world = await startReplayWorld();
  await world.archive(feed);
});
afterAll(async () => {
  await world?.stop();
});

async function replayed(id: string): Promise<InStream[]> {
  return (await world.stream()).filter((r) => r.record.replay?.id === id);
}

async function run(args: readonly string[]): Promise<ReplayState> {
  const out = await world.replay([...args, '--json', '--stream', world.kinesis.streamName]);
  // stderr holds progress lines only: a failure would be a `replay: …` line and a non-zero code
  expect({ code: out.code, errors: out.stderr.split('\n').filter((l) => l.startsWith('replay:')) }).toEqual({
    code: 0,
    errors: [],
  });
  expect(out.stderr).toMatch(/^(replay replay-\S+: \d+ read, .*\n)*$/);
  return JSON.parse(out.stdout) as ReplayState;
}

const seqOf = (of: string) => BigInt(of.slice(of.indexOf('/') + 1));

describe('replay from the archive', () => {
  it('puts the selected records back with the run marker and their partition keys, each meter in order', async () => {
    // WHEN customer c1's records of the hour are replayed from the archive
    const state = await run(['archive', '--bucket', ARCHIVE_BUCKET, ...RANGE, '--customer', 'c1']);
    // THEN its 20 records are in the stream, each once, byte for byte the original payload and partition key
    const got = await replayed(state.id);
    const c1 = feed.filter((r) => r.kinesis.partitionKey.startsWith('c1/'));
    expect(state).toMatchObject({ source: 'archive', done: 40, sent: 20, notSelected: 20, byCustomer: { c1: 20 } });
    expect(got.map((r) => r.record.replay!.of).sort()).toEqual(
      c1.map((r) => `shardId-000000000007/${r.kinesis.sequenceNumber}`).sort(),
    );
    for (const r of got) {
      const original = c1.find((o) => r.record.replay!.of.endsWith(`/${o.kinesis.sequenceNumber}`))!;
      expect(r.partitionKey).toBe(original.kinesis.partitionKey);
      expect(Buffer.from(r.record.payload).toString('base64')).toBe(
        Buffer.from(
          JSON.parse(Buffer.from(original.kinesis.data, 'base64').toString('utf8')).payload,
          'base64',
        ).toString('base64'),
      );
      expect(r.record.replay).toEqual({ id: state.id, at: state.at, source: 'archive', of: r.record.replay!.of });
    }
    // AND each meter's records are on its shard in their original order
    for (const key of new Set(got.map((r) => r.partitionKey))) {
      const ofs = got.filter((r) => r.partitionKey === key).map((r) => seqOf(r.record.replay!.of));
      expect(ofs).toEqual([...ofs].sort((a, b) => (a < b ? -1 : 1)));
    }
  });

  it.each([
    { filter: ['--meter', 'c2/m3'], sent: 5 },
    { filter: ['--series', 'c2/m3/12'], sent: 5 },
    { filter: ['--series', 'c2/m3/2'], sent: 0 },
    { filter: ['--topic', 'meters/outbound/+/sub-1/m1'], sent: 10 },
    { filter: ['--topic', 'meters/outbound/c1/#'], sent: 20 },
  ])(
    'a dry run with $filter reads the selection, says it would send $sent and sends nothing',
    async ({ filter, sent }) => {
      const before = (await world.stream()).length;
      const state = await run(['archive', '--bucket', ARCHIVE_BUCKET, ...RANGE, ...filter, '--dry-run']);
      expect(state).toMatchObject({ dryRun: true, done: 40, sent, notSelected: 40 - sent });
      expect((await world.stream()).length).toBe(before);
    },
  );

  it('stores each replayed reading once with its trace, and a second replay of the same records stores nothing new', async () => {
    // GIVEN meter c2/m1's records replayed and ingested
    const first = await run(['archive', '--bucket', ARCHIVE_BUCKET, ...RANGE, '--meter', 'c2/m1']);
    await world.ingest(world.asEvents(await replayed(first.id)));
    const rows = async () =>
      (
        (await world.dynamo.client.send(new ScanCommand({ TableName: world.tables.readingsTableName }))).Items ?? []
      ).filter((i) => i.pk?.S === 'c2/m1/12');
    const stored = await rows();
    expect(stored).toHaveLength(5);
    for (const item of stored) {
      expect(item).toMatchObject({ replayId: { S: first.id }, replaySource: { S: 'archive' } });
      expect(item.replayOf?.S).toMatch(/^shardId-000000000007\/\d+$/);
    }
    // WHEN the same records are replayed and ingested again
    const second = await run(['archive', '--bucket', ARCHIVE_BUCKET, ...RANGE, '--meter', 'c2/m1']);
    expect(second.sent).toBe(5);
    await world.ingest(world.asEvents(await replayed(second.id)));
    // THEN nothing new is stored: the first replay's rows stay as they were
    expect(await rows()).toEqual(stored);
  });

  it('resumes an interrupted run after the last accepted chunk and sends each record once', async () => {
    // GIVEN a run stopped after its first chunk of 7 items
    const controller = new AbortController();
    const options = {
      source: 'archive' as const,
      items: archiveItems(
        { client: world.s3, bucket: ARCHIVE_BUCKET },
        { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T01:00:00Z') },
      ),
      filters: {},
      selection: { bucket: ARCHIVE_BUCKET },
      kinesis: { client: world.kinesis.client, streamName: world.kinesis.streamName },
      dryRun: false,
      stateDir: world.stateDir,
      chunkSize: 7,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    };
    const stopped = await runReplay(options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(stopped).toBeInstanceOf(ReplayInterruptedError);
    const id = (stopped as ReplayInterruptedError).state.id;
    expect(loadState(world.stateDir, id)).toMatchObject({ done: 7, sent: 7 });
    // WHEN it is resumed
    const done = await runReplay({
      ...options,
      items: archiveItems(
        { client: world.s3, bucket: ARCHIVE_BUCKET },
        { from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-01-01T01:00:00Z') },
      ),
      signal: new AbortController().signal,
      onProgress: () => {},
      resume: loadState(world.stateDir, id),
    });
    // THEN every record was sent once in all, under the one run id, and the trace says it finished after one resume
    const ofs = (await replayed(id)).map((r) => r.record.replay!.of);
    expect(ofs).toHaveLength(40);
    expect(new Set(ofs).size).toBe(40);
    expect(done).toMatchObject({ done: 40, sent: 40, resumes: 1 });
    expect(done.finishedAt).toBeDefined();
    expect(() => loadState(world.stateDir, id)).toThrow(/finished/);
  });
});

describe('replay from the failed-records bucket', () => {
  it('takes the records from an object that carries them, and from the archive for one that only names them', async () => {
    // GIVEN two on-failure objects as the mapping writes them: one with the invocation payload, one with only the
    // batch's sequence numbers (those records are in the archive)
    const withPayload = feed.slice(0, 3);
    const infoOnly = feed.slice(10, 14);
    const info = (records: KinesisStreamRecord[]) => ({
      shardId: 'shardId-000000000007',
      startSequenceNumber: records[0]!.kinesis.sequenceNumber,
      endSequenceNumber: records[records.length - 1]!.kinesis.sequenceNumber,
      approximateArrivalOfFirstRecord: '2026-01-01T00:00:00.500Z',
      approximateArrivalOfLastRecord: '2026-01-01T00:00:00.500Z',
      batchSize: records.length,
      streamArn: 'arn:aws:kinesis:eu-west-1:123456789012:stream/readings',
    });
    await world.putObject(
      FAILED_BUCKET,
      'aws/lambda/esm-1/shardId-000000000007/2026/01/01/a.json',
      JSON.stringify({
        requestContext: { condition: 'RecordAgeExceeded' },
        KinesisBatchInfo: info(withPayload),
        payload: JSON.stringify({ Records: withPayload }),
      }),
    );
    await world.putObject(
      FAILED_BUCKET,
      'aws/lambda/esm-1/shardId-000000000007/2026/01/01/b.json',
      JSON.stringify({ KinesisBatchInfo: info(infoOnly) }),
    );
    // WHEN the bucket is replayed without the archive, THEN it stops at the object it cannot read, naming it
    const refused = await world.replay([
      'failed-records',
      '--bucket',
      FAILED_BUCKET,
      '--stream',
      world.kinesis.streamName,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /b\.json: holds the batch's sequence numbers but not its records: give --archive-bucket/,
    );
    // WHEN it is replayed with the archive
    const state = await run(['failed-records', '--bucket', FAILED_BUCKET, '--archive-bucket', ARCHIVE_BUCKET]);
    // THEN the 3 + 4 records are back in the stream, marked as from the failed-records bucket
    const got = await replayed(state.id);
    expect(got.map((r) => r.record.replay!.of).sort()).toEqual(
      [...withPayload, ...infoOnly].map((r) => `shardId-000000000007/${r.kinesis.sequenceNumber}`).sort(),
    );
    expect(new Set(got.map((r) => r.record.replay!.source))).toEqual(new Set(['failed-records']));
  });
});

describe('replay from the quarantine', () => {
  it("puts a reason's items back with the reason in the marker; rejected again, they add no second item", async () => {
    // GIVEN two records of an unknown payload version, quarantined by the ingest
    const bad = [1, 2].map((n) =>
      fixture.record({
        topic: `meters/outbound/c3/sub-1/m${n}`,
        payload: JSON.stringify({ smarteo_payload_schema_version: 9, value: n }),
      }),
    );
    await world.ingest(bad);
    const quarantineCount = async () =>
      (await world.dynamo.client.send(new ScanCommand({ TableName: world.tables.quarantineTableName }))).Items
        ?.length ?? 0;
    const before = await quarantineCount();
    // WHEN that reason is replayed
    const state = await run([
      'quarantine',
      '--quarantine-table',
      world.tables.quarantineTableName,
      '--reason',
      'unsupported-version',
    ]);
    // THEN both are in the stream with the reason they came from
    // (two meters: two partition keys, possibly on two shards, so compared in the originals' order)
    const got = (await replayed(state.id)).sort((a, b) =>
      seqOf(a.record.replay!.of) < seqOf(b.record.replay!.of) ? -1 : 1,
    );
    expect(got.map((r) => r.record.replay)).toEqual(
      bad.map((r) => ({
        id: state.id,
        at: state.at,
        source: 'quarantine',
        of: `shardId-000000000007/${r.kinesis.sequenceNumber}`,
        reason: 'unsupported-version',
      })),
    );
    expect(got.map((r) => r.partitionKey)).toEqual(['c3/m1', 'c3/m2']);
    // AND rejected again by the same decoder they land on the items they came from
    await world.ingest(world.asEvents(got));
    expect(await quarantineCount()).toBe(before);
  });
});

describe('a readings table rebuilt from the archive', () => {
  it('finds every reading again with its first-delivered value after the table is emptied', async () => {
    // GIVEN a day's feed of customer c9 (v1 and v2, a duplicate, a later conflicting value, a malformed message),
    // archived and ingested as the two consumers of the stream do
    const day = new StreamFixture('shardId-000000000009');
    const records: KinesisStreamRecord[] = [];
    for (let i = 0; i < 6; i++) {
      const end = new Date(Date.UTC(2026, 0, 2, 0, i + 1)).toISOString();
      records.push(day.record({ topic: 'meters/outbound/c9/sub-1/m1', payload: v2Payload(end, `${i}.25`) }));
      records.push(day.record({ topic: 'meters/outbound/c9/sub-1/m2', payload: v1Payload(end, `${100 + i}`) }));
    }
    const first = records[0]!;
    records.push({
      ...first,
      kinesis: { ...first.kinesis, sequenceNumber: day.raw(new Uint8Array()).kinesis.sequenceNumber },
    });
    records.push(
      day.record({ topic: 'meters/outbound/c9/sub-1/m1', payload: v2Payload('2026-01-02T00:01:00.000Z', '99.9') }),
    );
    records.push(day.record({ topic: 'meters/outbound/c9/sub-1/m1', payload: '{"not":"a reading"' }));
    for (const r of records) r.kinesis.approximateArrivalTimestamp = Date.parse('2026-01-02T08:00:00.500Z') / 1000;
    await world.archive(records);
    await world.ingest(records);
    const ofC9 = async () =>
      (await readingItems(world.dynamo.client, world.tables.readingsTableName))
        .filter((i) => i.pk!.S!.startsWith('c9/'))
        .map((i) => ({ pk: i.pk!.S, sk: i.sk!.S, value: i.value!.N }))
        .sort((a, b) => `${a.pk} ${a.sk}`.localeCompare(`${b.pk} ${b.sk}`));
    const before = await ofC9();
    expect(before).toHaveLength(12);
    expect(before).toContainEqual({ pk: 'c9/m1/12', sk: '2026-01-02T00:01:00.000Z', value: '0.25' });
    // WHEN every item of the readings table is deleted
    const items = await scanAll(world.dynamo.client, world.tables.readingsTableName);
    for (let i = 0; i < items.length; i += 25) {
      await world.dynamo.client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [world.tables.readingsTableName]: items
              .slice(i, i + 25)
              .map((item) => ({ DeleteRequest: { Key: { pk: item.pk!, sk: item.sk! } } })),
          },
        }),
      );
    }
    expect(await ofC9()).toEqual([]);
    // AND the archive's hour is replayed and the replayed records ingested
    const state = await run([
      'archive',
      '--bucket',
      ARCHIVE_BUCKET,
      '--from',
      '2026-01-02T08:00:00Z',
      '--to',
      '2026-01-02T09:00:00Z',
    ]);
    expect(state).toMatchObject({ done: records.length, sent: records.length });
    // (by a container started after the deletion: a warm one remembers the series it registered, see docs/replay.md)
    await world.ingest(world.asEvents(await replayed(state.id)), { coldStart: true });
    // THEN every reading is back with the value first delivered (not the later conflicting one), and the series too
    expect(await ofC9()).toEqual(before);
    const series = (await registryItems(world.dynamo.client, world.tables.readingsTableName, 'c9')).map((i) => i.sk?.S);
    expect(series).toEqual(expect.arrayContaining(['c9/m1/12', 'c9/m2/2']));
  });
});

describe('replay input', () => {
  it.each([
    { args: [], out: /Usage: npm run replay/, code: 0 },
    {
      args: ['everything'],
      out: /the source must be one of archive, failed-records, quarantine, got "everything"/,
      code: 2,
    },
    {
      args: ['archive', '--from', '2026-01-01T00:00:00Z', '--to', '2026-01-01T01:00:00Z', '--dry-run'],
      out: /--bucket is required/,
      code: 2,
    },
    {
      args: ['archive', '--bucket', 'b', '--from', 'yesterday', '--to', '2026-01-01T01:00:00Z', '--dry-run'],
      out: /--from must be an ISO 8601 time .* got "yesterday"/,
      code: 2,
    },
    {
      args: ['archive', '--bucket', 'b', '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z', '--dry-run'],
      out: /--to must be after --from/,
      code: 2,
    },
    {
      args: ['archive', '--bucket', 'b', ...RANGE, '--meter', 'm1', '--dry-run'],
      out: /--meter must be <customer-id>\/<meter-id>, got "m1"/,
      code: 2,
    },
    {
      args: ['archive', '--bucket', 'b', ...RANGE],
      out: /--stream \(or KINESIS_STREAM_NAME\) is required unless --dry-run/,
      code: 2,
    },
    { args: ['quarantine', '--quarantine-table', 'q', '--reason', 'boredom', '--dry-run'], out: /boredom/, code: 2 },
    {
      args: ['archive', '--bucket', 'b', ...RANGE, '--resume', 'replay-nope', '--dry-run'],
      out: /no replay run "replay-nope" to resume/,
      code: 2,
    },
  ])('$args: exit $code', async ({ args, out, code }) => {
    const result = await world.replay(args);
    expect(result.code).toBe(code);
    expect(code === 0 ? result.stdout : result.stderr).toMatch(out);
    if (code !== 0) expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
