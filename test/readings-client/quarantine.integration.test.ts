/**
 * Quarantine list against DynamoDB Local, on items written by the real ingest handler (the replay of quarantined
 * records is `npm run replay -- quarantine`: test/tools/replay/).
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { putQuarantine, quarantineItem } from '../../functions/ingest/quarantine-store';
import { InvalidArgumentError, QuarantineClient, ReadingsClient } from '../../readings-client';
import { main } from '../../tools/readings-cli';
import {
  at,
  freshPipeline,
  RETENTION_DAYS,
  scanAll,
  startLocalDynamo,
  v1,
  v2,
  type LocalDynamo,
  type Message,
} from './support/pipeline';

const C = 'cust-q';

/** A version 3 message: a v2 payload under a version the ingest decoder does not know. */
const v3 = (meter: string, end: number, value: string): Message => v2(C, meter, 12, end, value, 15, 3);

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

/** Fresh tables, the real handler with a settable clock, and clients for them. */
async function setUp() {
  let now = new Date('2026-01-02T10:00:00.000Z');
  const pipeline = await freshPipeline(dynamo.client, () => now);
  const quarantine = new QuarantineClient({
    client: dynamo.client,
    quarantineTableName: pipeline.quarantine,
  });
  const readings = new ReadingsClient({ client: dynamo.client, readingsTableName: pipeline.readings });
  const snapshot = async () => ({
    readings: await scanAll(dynamo.client, pipeline.readings),
    quarantine: await scanAll(dynamo.client, pipeline.quarantine),
  });
  const setClock = (iso: string) => {
    now = new Date(iso);
  };
  return {
    ...pipeline,
    quarantineTable: pipeline.quarantine,
    readingsTable: pipeline.readings,
    quarantine,
    readings,
    snapshot,
    setClock,
  };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const i of items) out.push(i);
  return out;
}

describe('QuarantineClient.list', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  const V3 = v3('m1', 15, '42.125');

  beforeAll(async () => {
    env = await setUp();
    // GIVEN at 10:00 an unsupported version and a conflict, at 11:00 a message that is not JSON
    await env.deliver([V3, v1(C, 'm2', 0, '1.5')]);
    await env.deliver([v1(C, 'm2', 0, '1.6')]);
    env.setClock('2026-01-02T11:00:00.000Z');
    await env.deliver([{ topic: 'meters/outbound/cust-q/sub-1/m9', payload: 'not json' }]);
  });

  it('lists the items of one reason with their raw payload bytes', async () => {
    // WHEN
    const items = await all(env.quarantine.list({ reason: 'unsupported-version' }));
    // THEN
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      reason: 'unsupported-version',
      topic: V3.topic,
      payloadTruncated: false,
      quarantinedAt: '2026-01-02T10:00:00.000Z',
      receivedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(Buffer.from(items[0]!.payload).toString('utf8')).toBe(V3.payload);
  });

  it('lists a conflict with both values and both sources', async () => {
    const [conflict] = await all(env.quarantine.list({ reason: 'conflict' }));
    expect(conflict?.conflict).toEqual({
      seriesKey: 'cust-q/m2/2',
      readingTime: at(0),
      storedValue: '1.5',
      storedSource: expect.objectContaining({
        topic: 'meters/outbound/cust-q/sub-1/m2',
        shardId: 'shardId-000000000000',
      }),
      conflictingValue: '1.6',
      conflictingSource: expect.objectContaining({ topic: 'meters/outbound/cust-q/sub-1/m2' }),
    });
    expect(conflict!.conflict!.storedSource.sequenceNumber).not.toBe(
      conflict!.conflict!.conflictingSource.sequenceNumber,
    );
  });

  it('lists every reason, and bounds the quarantine time', async () => {
    expect((await all(env.quarantine.list())).map((i) => i.reason).sort()).toEqual([
      'conflict',
      'not-json',
      'unsupported-version',
    ]);
    const late = await all(env.quarantine.list({ from: '2026-01-02T10:30:00Z' }));
    expect(late.map((i) => i.reason)).toEqual(['not-json']);
    const early = await all(env.quarantine.list({ to: '2026-01-02T10:30:00Z', reason: 'not-json' }));
    expect(early).toEqual([]);
  });

  it('pages through the index with a small page size', async () => {
    const small = new QuarantineClient({
      client: dynamo.client,
      quarantineTableName: env.quarantineTable,
      pageSize: 1,
    });
    expect(await all(small.list())).toHaveLength(3);
  });

  it('lists as JSON with the raw payload in base64', async () => {
    let stdout = '';
    const code = await main(
      ['quarantine', 'list', '--reason', 'unsupported-version', '--json', '--endpoint', dynamo.endpoint],
      { stdout: (t) => (stdout += t), stderr: () => undefined, env: { QUARANTINE_TABLE_NAME: env.quarantineTable } },
    );
    expect(code).toBe(0);
    const [item] = JSON.parse(stdout);
    expect(item).toMatchObject({
      reason: 'unsupported-version',
      payloadSize: V3.payload.length,
      payloadTruncated: false,
    });
    expect(Buffer.from(item.payload, 'base64').toString('utf8')).toBe(V3.payload);
  });

  it('fails on a reason that does not exist', async () => {
    await expect(all(env.quarantine.list({ reason: 'bogus' }))).rejects.toThrow(InvalidArgumentError);
  });

  it('lists with the CLI, conflicts with both values', async () => {
    let stdout = '';
    const code = await main(
      ['quarantine', 'list', '--endpoint', dynamo.endpoint, '--quarantine-table', env.quarantineTable],
      {
        stdout: (t) => (stdout += t),
        stderr: () => undefined,
        env: {},
      },
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^QUARANTINED AT\s+REASON\s+TOPIC\s+DETAIL\n/);
    expect(stdout).toMatch(
      /conflict\s+meters\/outbound\/cust-q\/sub-1\/m2\s+cust-q\/m2\/2 @ \S+: stored 1.5 \(\S+\), conflicting 1.6/,
    );
    expect(stdout).toContain('3 items: ');
  });
});

describe('QuarantineClient.list over the spread index', () => {
  it('lists every item of one reason across its 16 shards and the legacy index, in quarantine-time order', async () => {
    // GIVEN 40 items of one reason written by the real quarantine store at shuffled times (so on many shards)
    const { quarantine: table } = await freshPipeline(dynamo.client);
    const minutes = Array.from({ length: 40 }, (_, i) => (i * 17) % 40);
    for (const [i, minute] of minutes.entries()) {
      await putQuarantine(
        dynamo.client,
        table,
        {
          reason: 'unsupported-version',
          message: 'version 3',
          topic: 't',
          payload: Buffer.from('{}'),
          receivedAt: at(minute),
          shardId: 'shardId-000000000000',
          sequenceNumber: String(1000 + i),
        },
        { now: new Date(at(minute)), retentionDays: RETENTION_DAYS },
      );
    }
    // AND one of another reason, and one written before the spread: in the legacy index only
    await putQuarantine(
      dynamo.client,
      table,
      {
        reason: 'bad-value',
        message: 'other',
        topic: 't',
        payload: Buffer.from('{}'),
        receivedAt: at(5),
        shardId: 'shardId-000000000000',
        sequenceNumber: '999',
      },
      { now: new Date(at(5)), retentionDays: RETENTION_DAYS },
    );
    const legacy = quarantineItem(
      {
        reason: 'unsupported-version',
        message: 'written before the spread',
        topic: 't',
        payload: Buffer.from('{}'),
        receivedAt: at(20),
        shardId: 'shardId-000000000000',
        sequenceNumber: '1',
      },
      { now: new Date('2026-01-01T00:20:30.000Z'), retentionDays: RETENTION_DAYS },
    );
    delete legacy.reasonShard;
    await dynamo.client.send(new PutItemCommand({ TableName: table, Item: legacy }));
    const stored = await scanAll(dynamo.client, table);
    expect(new Set(stored.map((i) => i.reasonShard?.S).filter(Boolean)).size).toBeGreaterThan(8);
    // WHEN the reason is listed, two items a page
    const client = new QuarantineClient({ client: dynamo.client, quarantineTableName: table, pageSize: 2 });
    const listed = await all(client.list({ reason: 'unsupported-version' }));
    // THEN every item of the reason is there once, the legacy one included, in quarantine-time order
    expect(listed.map((i) => i.pk).sort()).toEqual(
      ['shardId-000000000000/1', ...minutes.map((_, i) => `shardId-000000000000/${1000 + i}`)].sort(),
    );
    const times = listed.map((i) => i.quarantinedAt);
    expect(times).toEqual([...times].sort());
    expect(listed.find((i) => i.pk === 'shardId-000000000000/1')?.message).toBe('written before the spread');
    // AND without the legacy index only the spread items are listed
    const spreadOnly = new QuarantineClient({
      client: dynamo.client,
      quarantineTableName: table,
      readLegacyIndex: false,
    });
    expect(await all(spreadOnly.list({ reason: 'unsupported-version' }))).toHaveLength(40);
  });
});
