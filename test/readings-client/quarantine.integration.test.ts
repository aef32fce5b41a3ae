/**
 * Quarantine list and replay against DynamoDB Local, on items written by the real ingest handler.
 */
import { decodePayload, type DecodedPayload, type Result } from '../../core';
import { InvalidArgumentError, QuarantineClient, ReadingsClient, type PayloadDecoder } from '../../readings-client';
import { main } from '../../tools/readings-cli';
import {
  at,
  freshPipeline,
  rawKinesisRecord,
  RETENTION_DAYS,
  scanAll,
  startLocalDynamo,
  v1,
  v2,
  type LocalDynamo,
  type Message,
} from './support/pipeline';

const C = 'cust-q';

/** Today's decoder after an upgrade that taught it version 3 (shaped like version 2). */
const decoderThatKnowsV3: PayloadDecoder = (bytes): Result<DecodedPayload> =>
  decodePayload(
    Buffer.from(
      Buffer.from(bytes)
        .toString('utf8')
        .replace('"smarteo_payload_schema_version":3', '"smarteo_payload_schema_version":2'),
    ),
  );

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
    readingsTableName: pipeline.readings,
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

describe('QuarantineClient.replay', () => {
  it('changes nothing while the decoder still refuses the records', async () => {
    // GIVEN an unsupported version, a message that is not JSON and a record that is not an envelope
    const env = await setUp();
    await env.deliver([v3('m1', 15, '1'), { topic: 'meters/outbound/cust-q/sub-1/m9', payload: '{' }]);
    await env.handler({ Records: [rawKinesisRecord('garbage')] });
    const before = await env.snapshot();
    // WHEN replayed with today's decoder
    const report = await env.quarantine.replay({ retentionDays: RETENTION_DAYS });
    // THEN
    expect(report.counts).toMatchObject({ 'still-failing': 3, stored: 0 });
    expect(await env.snapshot()).toEqual(before);
  });

  it('stores a quarantined unsupported-version reading once the decoder learns it, and removes the item', async () => {
    // GIVEN a version 3 reading quarantined by the ingest function, its series never seen
    const env = await setUp();
    await env.deliver([v3('m1', 15, '42.125'), v1(C, 'm2', 0, '7')]);
    expect(await all(env.quarantine.list({ reason: 'unsupported-version' }))).toHaveLength(1);
    env.setClock('2026-01-03T00:00:00.000Z');
    // WHEN replayed with a decoder that knows version 3
    const report = await env.quarantine.replay({
      decodePayload: decoderThatKnowsV3,
      retentionDays: RETENTION_DAYS,
      clock: () => new Date('2026-01-03T00:00:00.000Z'),
    });
    // THEN the reading is stored, exactly, and the quarantine item is gone
    expect(report.counts).toEqual({
      stored: 1,
      duplicate: 0,
      conflict: 0,
      'still-failing': 0,
      'reason-changed': 0,
      skipped: 0,
    });
    expect(report.items[0]).toMatchObject({ outcome: 'stored', seriesKey: 'cust-q/m1/12', readingTime: at(15) });
    expect(await all(env.quarantine.list())).toEqual([]);
    const stored = await env.readings.readAll('cust-q/m1/12');
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      value: '42.125',
      intervalStart: at(0),
      receivedAt: '2026-01-01T00:00:00.000Z',
      ingestedAt: '2026-01-03T00:00:00.000Z',
    });
    // and its series is listed
    expect((await env.readings.listSeries(C)).map((s) => s.seriesKey)).toEqual(['cust-q/m1/12', 'cust-q/m2/2']);
  });

  it('changes nothing when run twice', async () => {
    // GIVEN one of each outcome, replayed once
    const env = await setUp();
    await env.deliver([v2(C, 'm3', 12, 15, '5'), v2(C, 'm4', 12, 15, '7')]);
    await env.deliver([
      v3('m1', 15, '1'), // will be stored
      v3('m3', 15, '5'), // a duplicate of a stored reading
      v3('m4', 15, '8'), // conflicts with a stored reading
      { topic: v3('m5', 15, '1').topic, payload: '{"smarteo_payload_schema_version":3,"register_id":12,"value":1}' }, // missing fields
      { topic: 'meters/outbound/cust-q/sub-1/m9', payload: '{' }, // still not JSON
    ]);
    const first = await env.quarantine.replay({ decodePayload: decoderThatKnowsV3, retentionDays: RETENTION_DAYS });
    expect(first.counts).toEqual({
      stored: 1,
      duplicate: 1,
      conflict: 1,
      'still-failing': 1,
      'reason-changed': 1,
      skipped: 0,
    });
    const after = await env.snapshot();
    // WHEN replayed again
    const second = await env.quarantine.replay({ decodePayload: decoderThatKnowsV3, retentionDays: RETENTION_DAYS });
    // THEN nothing changes
    expect(await env.snapshot()).toEqual(after);
    expect(second.counts).toEqual({
      stored: 0,
      duplicate: 0,
      conflict: 0,
      'still-failing': 2,
      'reason-changed': 0,
      skipped: 1,
    });
    // and every outcome of the first run is where it belongs
    const reasons = (await all(env.quarantine.list())).map((i) => i.reason).sort();
    expect(reasons).toEqual(['conflict', 'missing-field', 'not-json']);
    const [conflict] = await all(env.quarantine.list({ reason: 'conflict' }));
    expect(conflict?.conflict).toMatchObject({ seriesKey: 'cust-q/m4/12', storedValue: '7', conflictingValue: '8' });
    expect((await env.readings.readAll('cust-q/m4/12')).map((r) => r.value)).toEqual(['7']);
    expect((await env.readings.readAll('cust-q/m3/12')).map((r) => r.value)).toEqual(['5']);
  });

  it('replays only the reason asked for', async () => {
    const env = await setUp();
    await env.deliver([v3('m1', 15, '1'), { topic: 'meters/outbound/cust-q/sub-1/m9', payload: '{' }]);
    const report = await env.quarantine.replay({
      reason: 'not-json',
      decodePayload: decoderThatKnowsV3,
      retentionDays: RETENTION_DAYS,
    });
    expect(report.examined).toBe(1);
    expect(report.counts['still-failing']).toBe(1);
    expect(await all(env.quarantine.list({ reason: 'unsupported-version' }))).toHaveLength(1);
  });

  it('replays with the CLI', async () => {
    const env = await setUp();
    await env.deliver([{ topic: 'meters/outbound/cust-q/sub-1/m9', payload: '{' }]);
    let stdout = '';
    const code = await main(
      [
        'quarantine',
        'replay',
        '--endpoint',
        dynamo.endpoint,
        '--readings-table',
        env.readingsTable,
        '--quarantine-table',
        env.quarantineTable,
      ],
      { stdout: (t) => (stdout += t), stderr: () => undefined, env: {} },
    );
    expect(code).toBe(0);
    expect(stdout).toBe(
      'replayed 1: stored 0, duplicate 0, conflict 0, reason changed 0, still failing 1, skipped 0\n',
    );
  });

  it('fails when asked to replay conflicts', async () => {
    const env = await setUp();
    await expect(env.quarantine.replay({ reason: 'conflict' })).rejects.toThrow(
      'conflict items are reviewed, not replayed: the stored reading is kept',
    );
  });
});
