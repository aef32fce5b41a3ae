/**
 * What the ingest function tells operators: the metrics it emits (EMF on stdout, names from `metric-names.ts`), its
 * log lines (one per rejection or conflict, none per stored reading), and the Lambda entry point built from the
 * environment, DynamoDB Local reached through the SDK's standard `AWS_ENDPOINT_URL_DYNAMODB`.
 */
import {
  INGEST_METRICS_NAMESPACE,
  INGEST_SERVICE_NAME,
  IngestMetric,
  REASON_DIMENSION,
} from '../../functions/ingest/metric-names';
import { ConfigError, createHandler } from '../../functions/ingest';
import type { IngestConfig } from '../../functions/ingest/config';
import { freshTables, readingItems, startLocalDynamo, type LocalDynamo } from './support/local-dynamodb';
import { eventOf, SAMPLE_V1, SAMPLE_V2, StreamFixture, v2Payload } from './support/stream-events';

const TOPIC = 'meters/outbound/c1/s1/m1';
const NOW = new Date('2026-01-01T00:00:05.000Z');

let dynamo: LocalDynamo;
let config: IngestConfig;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

beforeEach(async () => {
  // a long retention: the test clock is in the past, and DynamoDB Local's TTL really deletes expired items
  config = await freshTables(dynamo.client, 36500);
});

/** Runs `fn` and returns the JSON lines it wrote to stdout and stderr (Powertools writes warnings to stderr). */
async function captureOutput(fn: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    await fn();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Emf {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

describe('metrics and logs', () => {
  const stream = new StreamFixture();
  const big = `{"smarteo_payload_schema_version": 9, "padding": "${'SECRET'.repeat(1000)}"}`;
  const batch = () =>
    eventOf([
      stream.record({ topic: TOPIC, payload: SAMPLE_V1, receivedAt: '2026-01-01T00:00:04.000Z' }),
      stream.record({ topic: TOPIC, payload: SAMPLE_V2, receivedAt: '2026-01-01T00:00:03.000Z' }),
      stream.record({ topic: TOPIC, payload: SAMPLE_V2 }),
      // the v1 sample re-sent with a new system time: a duplicate with other facts
      stream.record({
        topic: TOPIC,
        payload: SAMPLE_V1.replace('"2023-01-01T12:30:00.000Z"', '"2023-01-01T12:31:00.123456Z"'),
      }),
      stream.record({ topic: TOPIC, payload: SAMPLE_V2.replace('123.456', '1') }),
      stream.record({ topic: TOPIC, payload: big }),
      stream.raw(Buffer.from('not an envelope')),
      // v1 for a register other than 2: stored, and counted as outside the documented forms
      stream.record({
        topic: TOPIC,
        payload: SAMPLE_V1.replace('"register_id": 2', '"register_id": 12'),
        receivedAt: '2026-01-01T00:00:02.000Z',
      }),
    ]);

  it('emits every metric name, counts by outcome and Rejected by reason', async () => {
    // GIVEN a handler with its default Powertools metrics and logger
    const handler = createHandler({ client: dynamo.client, config, clock: () => NOW, concurrency: 1 });
    // WHEN it runs a batch of three new readings (one a v1 of register 12), two duplicates (one with another system
    // time), a conflict and two rejections
    const out = await captureOutput(() => handler(batch()));
    // THEN the EMF lines carry every metric name, in the namespace, with the service dimension
    const emf = out.filter((l): l is Emf => '_aws' in l);
    const names = new Set(emf.flatMap((l) => l._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name))));
    expect([...names].sort()).toEqual(Object.values(IngestMetric).sort());
    for (const line of emf) {
      expect(line._aws.CloudWatchMetrics[0]?.Namespace).toBe(INGEST_METRICS_NAMESPACE);
      expect(line.service).toBe(INGEST_SERVICE_NAME);
    }
    const main = emf.find((l) => IngestMetric.ReadingsStored in l)!;
    expect(main).toMatchObject({
      [IngestMetric.ReadingsStored]: 3,
      [IngestMetric.V1OtherRegisterStored]: 1,
      [IngestMetric.DuplicatesSkipped]: 2,
      [IngestMetric.DuplicatesWithOtherFacts]: 1,
      [IngestMetric.Conflicts]: 1,
      [IngestMetric.Quarantined]: 3,
      [IngestMetric.IngestFailures]: 0,
      [IngestMetric.PipelineLatency]: [1000, 2000, 3000],
    });
    expect(main._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service']]);
    const ages = main[IngestMetric.ReadingAge] as number[];
    expect(ages).toEqual([
      NOW.getTime() - Date.parse('2023-01-01T12:34:56.789Z'),
      NOW.getTime() - Date.parse('2023-01-01T12:01:00.000Z'),
      NOW.getTime() - Date.parse('2023-01-01T12:34:56.789Z'),
    ]);
    const rejected = emf.filter((l) => IngestMetric.Rejected in l);
    expect(rejected.map((l) => [l[REASON_DIMENSION], l[IngestMetric.Rejected]]).sort()).toEqual([
      ['bad-envelope', 1],
      ['unsupported-version', 1],
    ]);
    for (const line of rejected) {
      expect(line._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', REASON_DIMENSION]]);
    }
  });

  it('logs one JSON line per rejection or conflict, none per stored reading, and no more than a payload prefix', async () => {
    // GIVEN a handler with its default logger
    const handler = createHandler({ client: dynamo.client, config, clock: () => NOW, concurrency: 1 });
    // WHEN it runs the batch
    const out = await captureOutput(() => handler(batch()));
    // THEN three log lines: the conflict and the two rejections, each with its reason
    const logs = out.filter((l) => !('_aws' in l));
    expect(logs.map((l) => [l.level, l.reason]).sort()).toEqual([
      ['WARN', 'bad-envelope'],
      ['WARN', 'conflict'],
      ['WARN', 'unsupported-version'],
    ]);
    for (const line of logs) expect(line.service).toBe(INGEST_SERVICE_NAME);
    // the 6 KB payload shows only as a short prefix
    const text = JSON.stringify(logs);
    expect(text.split('SECRET').length - 1).toBeLessThanOrEqual(12);
  });

  it('counts a record reported for retry in IngestFailures and logs it as an error', async () => {
    // GIVEN a handler whose table does not exist (a misconfiguration: an infrastructure failure, not data)
    const handler = createHandler({
      client: dynamo.client,
      config: { ...config, readingsTableName: 'no-such-table' },
      clock: () => NOW,
    });
    // WHEN it runs one reading
    const out = await captureOutput(async () => {
      const result = await handler(
        eventOf([stream.record({ topic: TOPIC, payload: v2Payload('2026-01-01T00:01:00.000Z', '1') })]),
      );
      expect(result.batchItemFailures).toHaveLength(1);
    });
    // THEN the failure is counted and logged
    expect(out.find((l) => IngestMetric.IngestFailures in l)?.[IngestMetric.IngestFailures]).toBe(1);
    expect(out.filter((l) => l.level === 'ERROR')).toHaveLength(1);
  });
});

describe('the Lambda entry point', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('fails at cold start with one line per missing setting, then starts once the settings are there', async () => {
    // GIVEN an environment without the table names
    delete process.env.READINGS_TABLE_NAME;
    delete process.env.QUARANTINE_TABLE_NAME;
    const { handler } = await import('../../functions/ingest/index');
    const stream = new StreamFixture();
    const event = eventOf([stream.record({ topic: TOPIC, payload: SAMPLE_V2 })]);
    // WHEN invoked THEN it fails naming both variables
    let failure: unknown;
    const out = await captureOutput(async () => {
      failure = await handler(event).catch((e: unknown) => e);
    });
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).problems).toEqual([
      'READINGS_TABLE_NAME is not set: it must name a DynamoDB table',
      'QUARANTINE_TABLE_NAME is not set: it must name a DynamoDB table',
    ]);
    expect(out.find((l) => l.level === 'ERROR')?.problems).toHaveLength(2);

    // GIVEN the settings, DynamoDB Local named only through AWS_ENDPOINT_URL_DYNAMODB
    Object.assign(process.env, {
      READINGS_TABLE_NAME: config.readingsTableName,
      QUARANTINE_TABLE_NAME: config.quarantineTableName,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.local.endpoint,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    // WHEN invoked again THEN it stores the reading
    const result = await handler(event);
    expect(result.batchItemFailures).toEqual([]);
    expect(await readingItems(dynamo.client, config.readingsTableName)).toHaveLength(1);
  });
});
