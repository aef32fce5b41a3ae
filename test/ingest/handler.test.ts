/**
 * The ingest handler against DynamoDB Local: real tables made by `createTables`, real Kinesis-shaped events built
 * with core's `encodeStreamRecord`, the tables read back.
 */
import { DescribeTableCommand, DescribeTimeToLiveCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import {
  encodeStreamRecord,
  MAX_PAYLOAD_BYTES,
  normalizeDecimal,
  REJECTION_REASONS,
  TRUNCATED_PREFIX_BYTES,
  type RejectionReason,
} from '../../core';
import { isKeptUntilReplayed } from '../../core';
import { createHandler } from '../../functions/ingest';
import type { IngestConfig } from '../../functions/ingest/config';
import {
  freshTables,
  readingItems,
  registryItems,
  scanAll,
  startLocalDynamo,
  type LocalDynamo,
} from './support/local-dynamodb';
import { silentLogger, silentMetrics } from './support/quiet';
import {
  eventOf,
  SAMPLE_V1,
  SAMPLE_V2,
  SHARD,
  StreamFixture,
  v1Payload,
  v2Payload,
  type Delivery,
} from './support/stream-events';

// Far ahead of the real clock: DynamoDB Local's TTL really deletes quarantine items whose expiresAt has passed.
const NOW = new Date('2100-01-01T00:00:05.000Z');
const TOPIC = 'meters/outbound/c1/s1/m1';

let dynamo: LocalDynamo;
let config: IngestConfig;
let stream: StreamFixture;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

beforeEach(async () => {
  config = await freshTables(dynamo.client);
  stream = new StreamFixture();
});

function handler(overrides: { config?: IngestConfig } = {}) {
  return createHandler({
    client: dynamo.client,
    config: overrides.config ?? config,
    clock: () => NOW,
    logger: silentLogger(),
    metrics: silentMetrics(),
    concurrency: 4,
  });
}

async function readings() {
  const items = await readingItems(dynamo.client, config.readingsTableName);
  return items.sort((a, b) => `${a.pk?.S}|${a.sk?.S}`.localeCompare(`${b.pk?.S}|${b.sk?.S}`));
}

async function quarantine() {
  return scanAll(dynamo.client, config.quarantineTableName);
}

function key(record: KinesisStreamRecord): string {
  return `${SHARD}/${record.kinesis.sequenceNumber}`;
}

describe('the tables', () => {
  it('creates the readings table with its stream and the quarantine table with its spread and legacy indexes and TTL', async () => {
    // GIVEN the tables made by createTables (beforeEach)
    // WHEN they are described
    const readingsTable = await dynamo.client.send(new DescribeTableCommand({ TableName: config.readingsTableName }));
    const quarantineTable = await dynamo.client.send(
      new DescribeTableCommand({ TableName: config.quarantineTableName }),
    );
    const ttl = await dynamo.client.send(new DescribeTimeToLiveCommand({ TableName: config.quarantineTableName }));
    // THEN they match core/table-layout.ts
    expect(readingsTable.Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(readingsTable.Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_IMAGE' });
    const indexes = [...(quarantineTable.Table?.GlobalSecondaryIndexes ?? [])].sort((a, b) =>
      (a.IndexName ?? '').localeCompare(b.IndexName ?? ''),
    );
    expect(indexes).toMatchObject(
      [
        ['byReason', 'reason'],
        ['byReasonSpread', 'reasonShard'],
      ].map(([name, hash]) => ({
        IndexName: name,
        KeySchema: [
          { AttributeName: hash, KeyType: 'HASH' },
          { AttributeName: 'quarantinedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    );
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  it('leaves existing tables as they are when created again', async () => {
    // GIVEN tables that exist WHEN created again THEN nothing fails
    const { createTables } = await import('../../local/services/create-tables');
    await expect(
      createTables(dynamo.client, { readings: config.readingsTableName, quarantine: config.quarantineTableName }),
    ).resolves.toBeUndefined();
  });
});

describe('storing readings', () => {
  it("stores the provider's v1 sample with its exact value, timestamps and source", async () => {
    // GIVEN the v1 sample on a topic
    const record = stream.record({ topic: TOPIC, payload: SAMPLE_V1, receivedAt: '2026-01-01T00:00:01.000Z' });
    // WHEN the handler runs
    const result = await handler()(eventOf([record]));
    // THEN one reading is stored, exactly
    expect(result.batchItemFailures).toEqual([]);
    expect(await readings()).toEqual([
      {
        pk: { S: 'c1/m1/2' },
        sk: { S: '2023-01-01T12:34:56.789Z' },
        value: { N: '123.456' },
        customerId: { S: 'c1' },
        subscriptionId: { S: 's1' },
        meterId: { S: 'm1' },
        registerId: { N: '2' },
        schemaVersion: { N: '1' },
        systemTime: { S: '2023-01-01T12:30:00.000Z' },
        receivedAt: { S: '2026-01-01T00:00:01.000Z' },
        ingestedAt: { S: NOW.toISOString() },
        topic: { S: TOPIC },
        shardId: { S: SHARD },
        sequenceNumber: { S: record.kinesis.sequenceNumber },
      },
    ]);
    expect(await quarantine()).toEqual([]);
  });

  it("stores the provider's v2 sample with its interval start", async () => {
    // GIVEN the v2 sample
    const record = stream.record({ topic: TOPIC, payload: SAMPLE_V2 });
    // WHEN the handler runs
    await handler()(eventOf([record]));
    // THEN the reading has the end as its time and keeps the start
    const [item] = await readings();
    expect(item).toMatchObject({
      pk: { S: 'c1/m1/12' },
      sk: { S: '2023-01-01T12:01:00.000Z' },
      value: { N: '123.456' },
      schemaVersion: { N: '2' },
      registerId: { N: '12' },
      intervalStart: { S: '2023-01-01T12:00:00.000Z' },
    });
    expect(item?.systemTime).toBeUndefined();
    expect(item?.extraFields).toBeUndefined();
  });

  it('keeps unknown extra fields aside, losslessly', async () => {
    // GIVEN a v2 payload with extra fields, one a number that a float would change
    const payload = SAMPLE_V2.replace(
      '"value": 123.456',
      '"value": 123.456, "quality": "good", "raw": 0.1000000000000000000001',
    );
    // WHEN the handler runs
    await handler()(eventOf([stream.record({ topic: TOPIC, payload })]));
    // THEN the extra fields are stored as their exact JSON text
    const [item] = await readings();
    expect(item?.value).toEqual({ N: '123.456' });
    expect(JSON.parse(item?.extraFields?.S ?? '{}')).toMatchObject({ quality: 'good' });
    expect(item?.extraFields?.S).toContain('0.1000000000000000000001');
  });

  it.each([
    ['38 significant digits', '1234567890123456789.0123456789012345678'],
    ['38 significant digits, negative and small', '-0.00012345678901234567890123456789012345678'],
    ['a large exponent', '1.5E+100'],
    ['the smallest magnitude', '1E-130'],
    ['the largest magnitude', '9.9999999999999999999999999999999999999E+125'],
    ['trailing zeros', '1.500'],
    ['zero', '0'],
  ])('round-trips %s exactly through DynamoDB (%s)', async (_name, text) => {
    // GIVEN a reading with that value, delivered twice
    const payload = v2Payload('2026-01-01T00:01:00.000Z', text);
    const first = stream.record({ topic: TOPIC, payload });
    const again = stream.record({ topic: TOPIC, payload });
    // WHEN the handler runs on both
    const result = await handler()(eventOf([first, again]));
    // THEN the stored Number is the same decimal, and the second delivery is a duplicate, not a conflict
    expect(result.batchItemFailures).toEqual([]);
    const items = await readings();
    expect(items).toHaveLength(1);
    const stored = normalizeDecimal(items[0]?.value?.N ?? '');
    expect(stored).toEqual(normalizeDecimal(text));
    expect(await quarantine()).toEqual([]);
  });

  it('registers each series once, with the time it was first seen', async () => {
    // GIVEN two readings of one series and one of another, in two batches seen at different times
    const h1 = createHandler({
      client: dynamo.client,
      config,
      clock: () => new Date('2026-01-01T00:00:00.000Z'),
      logger: silentLogger(),
      metrics: silentMetrics(),
    });
    await h1(eventOf([stream.record({ topic: TOPIC, payload: v2Payload('2026-01-01T00:01:00.000Z', '1') })]));
    // a second container, which has not seen the series yet
    const h2 = createHandler({
      client: dynamo.client,
      config,
      clock: () => new Date('2026-02-01T00:00:00.000Z'),
      logger: silentLogger(),
      metrics: silentMetrics(),
    });
    await h2(
      eventOf([
        stream.record({ topic: TOPIC, payload: v2Payload('2026-01-01T00:02:00.000Z', '2') }),
        stream.record({ topic: TOPIC, payload: v1Payload('2026-01-01T00:02:00.000Z', '2') }),
      ]),
    );
    // THEN the registry lists both series, the first with its first time
    const items = await registryItems(dynamo.client, config.readingsTableName, 'c1');
    expect(items.map((i) => [i.sk?.S, i.firstSeenAt?.S, i.meterId?.S, i.registerId?.N])).toEqual([
      ['c1/m1/12', '2026-01-01T00:00:00.000Z', 'm1', '12'],
      ['c1/m1/2', '2026-02-01T00:00:00.000Z', 'm1', '2'],
    ]);
  });
});

describe('duplicates and conflicts', () => {
  it('skips a duplicate in the same batch', async () => {
    // GIVEN one reading delivered twice in one batch
    const records = [
      stream.record({ topic: TOPIC, payload: SAMPLE_V2 }),
      stream.record({ topic: TOPIC, payload: SAMPLE_V2 }),
    ];
    // WHEN the handler runs
    const result = await handler()(eventOf(records));
    // THEN one item, from the first delivery
    expect(result.batchItemFailures).toEqual([]);
    const items = await readings();
    expect(items).toHaveLength(1);
    expect(items[0]?.sequenceNumber?.S).toBe(records[0]?.kinesis.sequenceNumber);
    expect(await quarantine()).toEqual([]);
  });

  it('skips a duplicate in a later batch, also when another subscription carried it', async () => {
    // GIVEN a stored reading
    const h = handler();
    const first = stream.record({ topic: TOPIC, payload: SAMPLE_V1 });
    await h(eventOf([first]));
    // WHEN the same reading arrives again, once through another subscription
    const result = await h(
      eventOf([
        stream.record({ topic: TOPIC, payload: SAMPLE_V1 }),
        stream.record({ topic: 'meters/outbound/c1/s2/m1', payload: SAMPLE_V1 }),
      ]),
    );
    // THEN nothing changes
    expect(result.batchItemFailures).toEqual([]);
    const items = await readings();
    expect(items).toHaveLength(1);
    expect(items[0]?.sequenceNumber?.S).toBe(first.kinesis.sequenceNumber);
    expect(await quarantine()).toEqual([]);
  });

  it('treats a value written differently but equal (1.50 and 1.5) as a duplicate', async () => {
    // GIVEN two texts of one number
    const records = [
      stream.record({ topic: TOPIC, payload: v2Payload('2026-01-01T00:01:00.000Z', '1.50') }),
      stream.record({ topic: TOPIC, payload: v2Payload('2026-01-01T00:01:00.000Z', '15e-1') }),
    ];
    // WHEN the handler runs THEN it is one reading and no conflict
    await handler()(eventOf(records));
    expect(await readings()).toHaveLength(1);
    expect(await quarantine()).toEqual([]);
  });

  // A duplicate is judged by the reading (identity, value, v2 interval start), not by its envelope or other facts.
  const v1At = (time: string, system: string, value: string, register = '2') =>
    `{"smarteo_payload_schema_version":1,"data_timestamp_utc":"${time}","system_timestamp_utc":"${system}","register_id":${register},"meter_reading":${value}}`;
  const v2At = (start: string, end: string, value: string, register = '2') =>
    `{"smarteo_payload_schema_version":2,"measurement_start_timestamp_utc":"${start}","measurement_end_timestamp_utc":"${end}","register_id":${register},"value":${value}}`;
  const T = '2026-01-01T00:01:00.000Z';
  const FIRST_V1 = v1At(T, '2026-01-01T00:01:03.000Z', '100.5');
  const FIRST_V2 = v2At('2026-01-01T00:00:00.000Z', T, '100.5');
  it.each<[string, string, string, Record<string, AttributeValue>]>([
    [
      'a v1 re-sent with a new system time',
      FIRST_V1,
      v1At(T, '2026-01-01T00:09:00.123456Z', '100.5'),
      { schemaVersion: { N: '1' }, systemTime: { S: '2026-01-01T00:01:03.000Z' } },
    ],
    [
      'register 2 as v1, then as v2',
      FIRST_V1,
      FIRST_V2,
      { schemaVersion: { N: '1' }, systemTime: { S: '2026-01-01T00:01:03.000Z' } },
    ],
    [
      'register 2 as v2, then as v1',
      FIRST_V2,
      FIRST_V1,
      { schemaVersion: { N: '2' }, intervalStart: { S: '2026-01-01T00:00:00.000Z' } },
    ],
    [
      'a v1 re-encoded with offsets, register_id 2.0 and a longer system-time fraction',
      FIRST_V1,
      v1At('2026-01-01T01:01:00.000+01:00', '2025-12-31T19:01:03.000000-0500', '100.50', '2.0'),
      { schemaVersion: { N: '1' }, systemTime: { S: '2026-01-01T00:01:03.000Z' } },
    ],
  ])('skips %s as a duplicate, keeping the first facts', async (_what, first, second, kept) => {
    // GIVEN a reading delivered, then delivered again with other facts
    const records = [stream.record({ topic: TOPIC, payload: first }), stream.record({ topic: TOPIC, payload: second })];
    // WHEN the handler runs
    const result = await handler()(eventOf(records));
    // THEN one item with the first delivery's facts, and nothing quarantined
    expect(result.batchItemFailures).toEqual([]);
    const items = await readings();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ pk: { S: 'c1/m1/2' }, sk: { S: T }, value: { N: '100.5' }, ...kept });
    expect(items[0]?.sequenceNumber?.S).toBe(records[0]?.kinesis.sequenceNumber);
    expect(await quarantine()).toEqual([]);
  });

  it('fails a register 2 reading sent as v2 with another value than its v1 as a conflict', async () => {
    // GIVEN register 2 as v1, then as v2 with another value
    const records = [
      stream.record({ topic: TOPIC, payload: FIRST_V1 }),
      stream.record({ topic: TOPIC, payload: v2At('2026-01-01T00:00:00.000Z', T, '100.6') }),
    ];
    // WHEN the handler runs THEN the first stays and the second is a conflict
    await handler()(eventOf(records));
    expect((await readings()).map((i) => i.value?.N)).toEqual(['100.5']);
    expect((await quarantine()).map((i) => i.reason?.S)).toEqual(['conflict']);
  });

  it('keeps the first reading on a conflict and records both values and both sources', async () => {
    // GIVEN a stored reading, then a delivery of its identity with another value
    const h = handler();
    const first = stream.record({
      topic: TOPIC,
      payload: v2Payload('2026-01-01T00:01:00.000Z', '10.5'),
      receivedAt: '2026-01-01T00:00:01.000Z',
    });
    await h(eventOf([first]));
    const second = stream.record({
      topic: 'meters/outbound/c1/s2/m1',
      payload: v2Payload('2026-01-01T00:01:00.000Z', '11'),
      receivedAt: '2026-01-01T00:00:02.000Z',
    });
    // WHEN the handler runs on the second
    const result = await h(eventOf([second]));
    // THEN the first stays and the conflict is in quarantine
    expect(result.batchItemFailures).toEqual([]);
    const items = await readings();
    expect(items).toHaveLength(1);
    expect(items[0]?.value).toEqual({ N: '10.5' });
    const q = await quarantine();
    expect(q).toHaveLength(1);
    expect(q[0]).toMatchObject({
      pk: { S: key(second) },
      sk: { S: 'conflict' },
      reason: { S: 'conflict' },
      seriesKey: { S: 'c1/m1/12' },
      readingTime: { S: '2026-01-01T00:01:00.000Z' },
      storedValue: { S: '10.5' },
      conflictingValue: { S: '11' },
      storedSource: {
        M: {
          topic: { S: TOPIC },
          shardId: { S: SHARD },
          sequenceNumber: { S: first.kinesis.sequenceNumber },
          receivedAt: { S: '2026-01-01T00:00:01.000Z' },
        },
      },
      conflictingSource: {
        M: {
          topic: { S: 'meters/outbound/c1/s2/m1' },
          shardId: { S: SHARD },
          sequenceNumber: { S: second.kinesis.sequenceNumber },
          receivedAt: { S: '2026-01-01T00:00:02.000Z' },
        },
      },
      topic: { S: 'meters/outbound/c1/s2/m1' },
      receivedAt: { S: '2026-01-01T00:00:02.000Z' },
    });
    expect(Buffer.from(q[0]?.payload?.B ?? new Uint8Array()).toString()).toBe(
      v2Payload('2026-01-01T00:01:00.000Z', '11'),
    );
  });

  it('treats the same value with another interval start as a conflict', async () => {
    // GIVEN two deliveries of one identity whose interval starts differ
    const records = [
      stream.record({ topic: TOPIC, payload: v2Payload('2026-01-01T00:15:00.000Z', '1', 12, 60_000) }),
      stream.record({ topic: TOPIC, payload: v2Payload('2026-01-01T00:15:00.000Z', '1', 12, 900_000) }),
    ];
    // WHEN the handler runs THEN the first is kept and the second quarantined as a conflict
    await handler()(eventOf(records));
    expect((await readings())[0]?.intervalStart).toEqual({ S: '2026-01-01T00:14:00.000Z' });
    const q = await quarantine();
    expect(q.map((i) => i.reason?.S)).toEqual(['conflict']);
    expect(q[0]?.message?.S).toContain('interval start 2026-01-01T00:00:00.000Z');
  });
});

/** One input per rejection reason: a `Record` so a new reason in core fails typecheck and this test until covered. */
const REJECTED_INPUTS: Record<RejectionReason, { data: Uint8Array } | Delivery> = {
  'bad-envelope': { data: Buffer.from('{"v":1,"topic":"meters/outbound/c1/s1/m1"}') },
  'bad-topic': { topic: 'meters/inbound/c1/s1/m1', payload: SAMPLE_V2 },
  'too-large': { topic: TOPIC, payload: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20) },
  'not-utf8': { topic: TOPIC, payload: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
  'not-json': { topic: TOPIC, payload: '{"value": 1' },
  'not-object': { topic: TOPIC, payload: '[1, 2]' },
  'duplicate-key': { topic: TOPIC, payload: '{"value": 1, "value": 2}' },
  'unsupported-version': {
    topic: TOPIC,
    payload: SAMPLE_V2.replace('"smarteo_payload_schema_version": 2', '"smarteo_payload_schema_version": 3'),
  },
  'missing-field': { topic: TOPIC, payload: SAMPLE_V2.replace('"value": 123.456', '"other": 1') },
  'bad-timestamp': { topic: TOPIC, payload: SAMPLE_V2.replace('2023-01-01T12:01:00.000Z', '2023-01-01 12:01') },
  'bad-register': { topic: TOPIC, payload: SAMPLE_V2.replace('"register_id": 12', '"register_id": 0') },
  'bad-value': { topic: TOPIC, payload: SAMPLE_V2.replace('"value": 123.456', '"value": "123.456"') },
  'bad-interval': { topic: TOPIC, payload: SAMPLE_V2.replace('2023-01-01T12:01:00.000Z', '2023-01-01T12:00:00.000Z') },
};

describe('quarantine', () => {
  it.each(REJECTION_REASONS.map((r) => [r]))(
    'quarantines a record rejected as %s with its raw bytes',
    async (reason) => {
      // GIVEN a record that core rejects for this reason
      const input = REJECTED_INPUTS[reason];
      expect(input).toBeDefined();
      const record =
        'data' in input ? stream.raw(input.data) : stream.record({ ...input, receivedAt: '2026-01-01T00:00:01.000Z' });
      const raw =
        'data' in input ? input.data : typeof input.payload === 'string' ? Buffer.from(input.payload) : input.payload;
      // WHEN the handler runs
      const result = await handler()(eventOf([record]));
      // THEN the batch succeeds, nothing is stored and one quarantine item holds the record
      expect(result.batchItemFailures).toEqual([]);
      expect(await readings()).toEqual([]);
      const q = await quarantine();
      expect(q).toHaveLength(1);
      const item = q[0]!;
      expect(item).toMatchObject({
        pk: { S: key(record) },
        sk: { S: reason },
        reason: { S: reason },
        shardId: { S: SHARD },
        sequenceNumber: { S: record.kinesis.sequenceNumber },
        quarantinedAt: { S: NOW.toISOString() },
        payloadSize: { N: String(raw.byteLength) },
      });
      // a reason a decoder change can undo waits for its replay: no TTL (core/replay.ts, issue 15.3)
      expect(item.expiresAt).toEqual(
        isKeptUntilReplayed(reason) ? undefined : { N: String(NOW.getTime() / 1000 + 90 * 86_400) },
      );
      expect(item.message?.S).toMatch(/\w/);
      // the bridge keeps only a prefix of an oversized payload; every other payload is kept whole
      const kept = reason === 'too-large' ? raw.subarray(0, TRUNCATED_PREFIX_BYTES) : raw;
      expect(Buffer.from(item.payload?.B ?? new Uint8Array()).equals(Buffer.from(kept))).toBe(true);
      if ('data' in input) {
        expect(item.topic).toEqual({ S: '' });
        expect(item.receivedAt).toEqual({ S: '2026-01-01T00:00:00.500Z' });
      } else {
        expect(item.topic).toEqual({ S: input.topic });
        expect(item.receivedAt).toEqual({ S: '2026-01-01T00:00:01.000Z' });
      }
    },
  );

  it('quarantines an oversized payload that reached the stream untruncated, keeping as many bytes as are decoded', async () => {
    // GIVEN an envelope (not from the bridge) carrying more than the decoder reads
    const payload = Buffer.alloc(MAX_PAYLOAD_BYTES + 10, 0x61);
    const encoded = encodeStreamRecord({
      topic: TOPIC,
      receivedAt: '2026-01-01T00:00:00.000Z',
      payload,
      size: payload.byteLength,
      truncated: false,
      dup: false,
    });
    const record = stream.raw(encoded.data, encoded.partitionKey);
    // WHEN the handler runs
    const result = await handler()(eventOf([record]));
    // THEN it is quarantined as too-large, flagged as cut
    expect(result.batchItemFailures).toEqual([]);
    const [item] = await quarantine();
    expect(item).toMatchObject({
      reason: { S: 'too-large' },
      payloadSize: { N: String(MAX_PAYLOAD_BYTES + 10) },
      payloadTruncated: { BOOL: true },
    });
    expect(item?.payload?.B?.byteLength).toBe(MAX_PAYLOAD_BYTES);
  });

  it('quarantines Kinesis data too large for a DynamoDB item as a bad envelope without failing', async () => {
    // GIVEN a 900 KB record that is not an envelope
    const record = stream.raw(Buffer.alloc(900_000, 0x78));
    // WHEN the handler runs
    const result = await handler()(eventOf([record]));
    // THEN its first bytes are quarantined and the batch succeeds
    expect(result.batchItemFailures).toEqual([]);
    const [item] = await quarantine();
    expect(item).toMatchObject({
      reason: { S: 'bad-envelope' },
      payloadSize: { N: '900000' },
      payloadTruncated: { BOOL: true },
    });
  });

  it('quarantines a forged envelope whose topic is not well-formed Unicode, with the topic made storable', async () => {
    // GIVEN an envelope whose topic escapes a lone surrogate
    const data = Buffer.from(
      `{"v":1,"topic":"meters/outbound/c\\ud800/s/m","receivedAt":"2026-01-01T00:00:00.000Z","size":2,"payload":"e30="}`,
    );
    // WHEN the handler runs
    const result = await handler()(eventOf([stream.raw(data)]));
    // THEN it is a bad topic, quarantined with the surrogate replaced
    expect(result.batchItemFailures).toEqual([]);
    expect(await readings()).toEqual([]);
    const [item] = await quarantine();
    expect(item).toMatchObject({ reason: { S: 'bad-topic' }, topic: { S: 'meters/outbound/c\uFFFD/s/m' } });
  });

  it('keeps quarantine items for QUARANTINE_RETENTION_DAYS', async () => {
    // GIVEN a retention of 7 days
    const short = await freshTables(dynamo.client, 7);
    // WHEN a record is quarantined
    await handler({ config: short })(eventOf([stream.raw(Buffer.from('nope'))]));
    // THEN it expires 7 days after it was quarantined
    const [item] = await scanAll(dynamo.client, short.quarantineTableName);
    expect(item?.expiresAt).toEqual({ N: String(NOW.getTime() / 1000 + 7 * 86_400) });
  });

  it.each([['byReason'], ['byReasonSpread']])('puts every quarantined item in the %s index', async (indexName) => {
    // GIVEN two rejections of different reasons
    await handler()(eventOf([stream.raw(Buffer.from('nope')), stream.record({ topic: TOPIC, payload: '[]' })]));
    // WHEN the index is scanned
    const items = await scanAll(dynamo.client, config.quarantineTableName, {
      IndexName: indexName,
      ConsistentRead: false,
    });
    // THEN both are in it, each under its reason (and its reason's shard)
    expect(items.map((i) => i.reason?.S).sort()).toEqual(['bad-envelope', 'not-object']);
    for (const i of items) expect(i.reasonShard?.S).toMatch(new RegExp(`^${i.reason?.S}#([0-9]|1[0-5])$`));
  });
});

describe('retried batches', () => {
  it('adds nothing when a batch is delivered again', async () => {
    // GIVEN a batch of stored, duplicate, conflicting and rejected records, processed once
    const h = handler();
    const batch = eventOf([
      stream.record({ topic: TOPIC, payload: SAMPLE_V1 }),
      stream.record({ topic: TOPIC, payload: SAMPLE_V2 }),
      stream.record({ topic: TOPIC, payload: SAMPLE_V2 }),
      stream.record({ topic: TOPIC, payload: SAMPLE_V2.replace('123.456', '999') }),
      stream.record({ topic: 'meters/outbound/c2/s1/m9', payload: v2Payload('2026-01-01T00:01:00.000Z', '5') }),
      stream.record({ topic: TOPIC, payload: 'not json' }),
      stream.raw(Buffer.from('not an envelope')),
    ]);
    await h(batch);
    const readingsBefore = await scanAll(dynamo.client, config.readingsTableName);
    const quarantineBefore = await quarantine();
    // WHEN the same batch is delivered again, to this container and to a fresh one
    const later = createHandler({
      client: dynamo.client,
      config,
      clock: () => new Date(NOW.getTime() + 60_000),
      logger: silentLogger(),
      metrics: silentMetrics(),
    });
    const results = [await h(batch), await later(batch)];
    // THEN both tables are exactly as they were
    expect(results.map((r) => r.batchItemFailures)).toEqual([[], []]);
    expect(readingsBefore.filter((i) => !i.pk?.S?.startsWith('series#'))).toHaveLength(3);
    expect(quarantineBefore).toHaveLength(3);
    const sort = (items: Record<string, AttributeValue>[]) =>
      items
        .map((i) =>
          JSON.stringify(i, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v)),
        )
        .sort();
    expect(sort(await scanAll(dynamo.client, config.readingsTableName))).toEqual(sort(readingsBefore));
    expect(sort(await quarantine())).toEqual(sort(quarantineBefore));
  });
});
