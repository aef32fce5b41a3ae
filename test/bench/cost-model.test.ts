import {
  archiveMonthlyCost,
  atRestMonthly,
  billedMillis,
  dynamoPerMillion,
  dynamoProvisionedPerMillionWrites,
  effectiveBatch,
  fargateMonthly,
  fitLambdaMillis,
  floorMonthly,
  kinesisOnDemandPerMillion,
  kinesisProvisionedPerMillion,
  lambdaPerMillion,
  monthlyCost,
  roundUpToKb,
  shardsFor,
  type Deployment,
  type UnitCosts,
} from '../../bench/cost-model';
import { itemSize, numberSize, writeUnits } from '../../bench/support/item-size';
import { US_EAST_1 } from '../../bench/prices';

const units: UnitCosts = {
  kinesisRecordBytes: 370,
  writeUnitsPerNewReading: 1,
  writeUnitsPerDuplicate: 1,
  storedItemBytes: 450,
  lambdaFixedMillis: 10,
  lambdaMillisPerRecord: 2,
};

const deployment: Deployment = {
  lambdaMemoryMb: 512,
  batchSize: 100,
  batchingWindowSeconds: 0,
  fargateVcpu: 0.25,
  fargateMemoryGb: 0.5,
  fargateTasks: 1,
  duplicateShare: 0,
  customMetrics: 0,
  atRest: {
    secrets: 0,
    publicIpv4Addresses: 0,
    containerInsightsMetrics: 0,
    alarmMetrics: 0,
    dashboards: 0,
    kmsKeys: 0,
  },
  provisionedStreamMaxUtilization: 1,
  provisionedReadings: { targetUtilization: 0.7, minWriteUnits: 5, minReadUnits: 5 },
};

describe('Kinesis arithmetic', () => {
  it.each([
    [1, 1024],
    [1024, 1024],
    [1025, 2048],
    [0, 1024],
  ])('rounds %d bytes up to %d', (bytes, expected) => {
    expect(roundUpToKb(bytes)).toBe(expected);
  });

  it.each([
    [0, 370, 1],
    [999, 370, 1],
    [1001, 370, 2],
    [1667, 370, 2],
    [3000, 1024, 3],
    [100, 100_000, 10],
  ])('%d records/s of %d bytes need %d shards', (rate, bytes, shards) => {
    expect(shardsFor(rate, bytes)).toBe(shards);
  });

  it.each([
    // [records/s, bytes, the average's largest share of a shard's limits, shards]
    [1700, 370, 1, 2], // 100,000 meters a minute at 85% of two shards' records
    [1700, 370, 0.5, 4], // the same with half of each shard left for the burst
    [499, 370, 0.5, 1],
    [501, 370, 0.5, 2],
    [100, 100_000, 0.5, 20], // bytes bind: 10 MB/s at half of 1 MiB/s each
  ])('%d records/s of %d bytes at most %p of each shard need %d shards', (rate, bytes, max, shards) => {
    expect(shardsFor(rate, bytes, max)).toBe(shards);
  });

  it.each([0, -0.5, 1.5, Number.NaN])('refuses a shard utilisation of %p', (max) => {
    expect(() => shardsFor(100, 370, max)).toThrow(RangeError);
  });

  it('charges on-demand ingest and retrieval per KB-rounded record', () => {
    // 1e6 records x 1 KB = 0.953674 GB x ($0.08 + $0.04)
    expect(kinesisOnDemandPerMillion(units, US_EAST_1)).toBeCloseTo((1e6 * 1024 * 0.12) / 1024 ** 3, 6);
  });

  it('charges one 25 KB PUT payload unit per small record', () => {
    expect(kinesisProvisionedPerMillion(units, US_EAST_1)).toBeCloseTo(0.014, 6);
    expect(kinesisProvisionedPerMillion({ ...units, kinesisRecordBytes: 30 * 1024 }, US_EAST_1)).toBeCloseTo(0.028, 6);
  });
});

describe('the stack at rest', () => {
  it('sums each thing the stack keeps at its price', () => {
    // GIVEN one of each, and 10 custom metrics
    const d: Deployment = {
      ...deployment,
      customMetrics: 10,
      atRest: {
        secrets: 1,
        publicIpv4Addresses: 1,
        containerInsightsMetrics: 20,
        alarmMetrics: 28,
        dashboards: 1,
        kmsKeys: 1,
      },
    };
    // THEN $0.40 + 30 x $0.30 + 28 x $0.10 + $3 + $1 + 730 h x $0.005
    expect(atRestMonthly(d, US_EAST_1)).toBeCloseTo(0.4 + 9 + 2.8 + 3 + 1 + 3.65, 6);
    // AND the floor and every fleet's fixed costs carry it
    const withNothing = atRestMonthly(deployment, US_EAST_1);
    expect(withNothing).toBe(0);
    const fleet = { meters: 1000, cadenceSeconds: 900 };
    expect(monthlyCost(fleet, units, d, US_EAST_1).fixedOther).toBeCloseTo(atRestMonthly(d, US_EAST_1), 6);
    expect(floorMonthly(d, US_EAST_1).onDemand - floorMonthly(deployment, US_EAST_1).onDemand).toBeCloseTo(
      atRestMonthly(d, US_EAST_1),
      6,
    );
  });

  it('sizes the provisioned stream with the deployment headroom', () => {
    const fleet = { meters: 100_000, cadenceSeconds: 60 };
    expect(monthlyCost(fleet, units, deployment, US_EAST_1).kinesisShards).toBe(2);
    expect(
      monthlyCost(fleet, units, { ...deployment, provisionedStreamMaxUtilization: 0.5 }, US_EAST_1).kinesisShards,
    ).toBe(4);
  });
});

describe('Lambda arithmetic', () => {
  it.each([
    [0.5, 1, 1],
    [10, 2, 5],
    [1000, 2, 100],
  ])('at %p records/s over %d shards the batch is %p', (rate, shards, batch) => {
    expect(effectiveBatch(rate, shards, deployment)).toBe(batch);
  });

  it('bills whole milliseconds, at least one', () => {
    expect(billedMillis(100, units)).toBe(210);
    expect(billedMillis(1, { ...units, lambdaFixedMillis: 0, lambdaMillisPerRecord: 0.1 })).toBe(1);
  });

  it('prices a million records in full batches', () => {
    // 10,000 invocations x $0.2/1e6 + 10,000 x 0.210 s x 0.5 GB x $0.0000133334
    expect(lambdaPerMillion(100, units, deployment, US_EAST_1)).toBeCloseTo(
      0.002 + 10_000 * 0.21 * 0.5 * 0.0000133334,
      6,
    );
  });

  it.each([
    [
      [
        { batch: 100, millis: 210 },
        { batch: 500, millis: 1010 },
      ],
      { fixed: 10, perRecord: 2 },
    ],
    [[{ batch: 100, millis: 200 }], { fixed: 0, perRecord: 2 }],
    [
      [
        { batch: 100, millis: 300 },
        { batch: 500, millis: 500 },
      ],
      { fixed: 250, perRecord: 0.5 },
    ],
    [
      [
        { batch: 100, millis: 10 },
        { batch: 500, millis: 1000 },
      ],
      { fixed: 0, perRecord: 2 },
    ],
    [[], { fixed: 0, perRecord: 0 }],
  ])('fits %j as %j', (points, expected) => {
    const fit = fitLambdaMillis(points);
    expect(fit.fixed).toBeCloseTo(expected.fixed, 6);
    expect(fit.perRecord).toBeCloseTo(expected.perRecord, 6);
  });
});

describe('DynamoDB and Fargate arithmetic', () => {
  it('charges write request units per million', () => {
    expect(dynamoPerMillion(units, US_EAST_1)).toEqual({ newReadings: 0.625, duplicates: 0.625 });
  });

  it('prices a quarter-vCPU, half-GB arm64 task for 730 hours', () => {
    expect(fargateMonthly(deployment, US_EAST_1)).toBeCloseTo(730 * (0.25 * 0.03238 + 0.5 * 0.00356), 6);
  });

  it('GIVEN 100,000 meters every minute WHEN priced THEN 4.38 billion readings on 2 shards in full batches', () => {
    const m = monthlyCost({ meters: 100_000, cadenceSeconds: 60 }, units, deployment, US_EAST_1);
    expect(m.readingsPerMonth).toBeCloseTo(4.38e9, -3);
    expect(m.kinesisShards).toBe(2);
    expect(m.lambdaBatch).toBe(100);
    expect(m.dynamoWrites).toBeCloseTo(4380 * 0.625, 3);
    expect(m.totalOnDemand).toBeGreaterThan(m.dynamoWrites + m.fargate);
  });

  it('GIVEN 1,000 meters every 15 minutes THEN a quiet stream: one shard and batches of about one record', () => {
    const m = monthlyCost({ meters: 1000, cadenceSeconds: 900 }, units, deployment, US_EAST_1);
    expect(m.kinesisShards).toBe(1);
    expect(m.lambdaBatch).toBeCloseTo(1000 / 900, 6);
  });
});

describe('DynamoDB item sizes', () => {
  it.each([
    ['0', 2],
    ['1', 2],
    ['12', 2],
    ['123', 3],
    ['1000.250', 4],
    ['-0.01', 2],
    ['12345678901234567890123456789012345678', 20],
  ])('the Number %s weighs %d bytes', (text, bytes) => {
    expect(numberSize(text)).toBe(bytes);
  });

  it('adds attribute names and values', () => {
    expect(itemSize({ pk: { S: 'abc' }, value: { N: '12' }, ok: { BOOL: true }, b: { B: new Uint8Array(4) } })).toBe(
      2 + 3 + 5 + 2 + 2 + 1 + 1 + 4,
    );
  });

  it.each([
    [[0], 1],
    [[1024], 1],
    [[1025], 2],
    [[300, 2100], 3],
  ])('writes of items of %p bytes take %d units', (sizes, expected) => {
    expect(writeUnits(...sizes)).toBe(expected);
  });
});

describe('raw archive arithmetic', () => {
  const archiveUnits = {
    kinesisRecordBytes: 370,
    archivedBytesPerRecord: 25,
    eventBytesPerRecord: 900,
    archiverFixedMillis: 100,
    archiverMillisPerRecord: 0.02,
  };
  const archiver = { batchSize: 10_000, batchingWindowSeconds: 300, memoryMb: 512 };
  const month = 730 * 3600;

  it('writes one object per shard per batching window on a quiet stream, plus one per hour at most', () => {
    const c = archiveMonthlyCost({ meters: 1000, cadenceSeconds: 900 }, archiveUnits, archiver, deployment, US_EAST_1);
    expect(c.lambda.objectsPerMonth).toBeCloseTo(month / 300 + 730, 6);
    expect(c.lambda.puts).toBeCloseTo(((month / 300 + 730) / 1000) * 0.005, 9);
  });

  it('cuts batches at the 6 MB Lambda payload on a busy stream', () => {
    const s = { meters: 100_000, cadenceSeconds: 60 };
    const c = archiveMonthlyCost(s, archiveUnits, archiver, deployment, US_EAST_1);
    const recordsPerMonth = (100_000 / 60) * month;
    const perBatch = Math.floor((6 * 1024 * 1024) / 900);
    expect(c.lambda.objectsPerMonth).toBeCloseTo(recordsPerMonth / perBatch + 2 * 730, 0);
  });

  it('bills Firehose every record as at least 5 KB', () => {
    const s = { meters: 1000, cadenceSeconds: 60 };
    const c = archiveMonthlyCost(s, archiveUnits, archiver, deployment, US_EAST_1);
    const gb = ((1000 / 60) * month * 5 * 1024) / 1024 ** 3;
    expect(c.firehose.consumer).toBeCloseTo(gb * 0.029, 9);
  });

  it('charges both consumers the on-demand retrieval, and neither on a provisioned stream', () => {
    const c = archiveMonthlyCost({ meters: 1000, cadenceSeconds: 60 }, archiveUnits, archiver, deployment, US_EAST_1);
    expect(c.lambda.onDemandRetrieval).toBeGreaterThan(0);
    expect(c.lambda.totalOnDemand - c.lambda.totalProvisioned).toBeCloseTo(c.lambda.onDemandRetrieval, 9);
    expect(c.firehose.totalOnDemand - c.firehose.totalProvisioned).toBeCloseTo(c.firehose.onDemandRetrieval, 9);
  });
});

describe('DynamoDB provisioned arithmetic', () => {
  it.each([
    // one write unit serves 3,600 writes an hour at 100 %: a million writes take 1e6 / 3600 / utilisation unit-hours
    { utilization: 1, perMillion: (1e6 / 3600) * US_EAST_1.dynamoWriteCapacityUnitHour },
    { utilization: 0.7, perMillion: (1e6 / 3600 / 0.7) * US_EAST_1.dynamoWriteCapacityUnitHour },
  ])('prices a million writes at $utilization utilisation by write unit-hours', ({ utilization, perMillion }) => {
    expect(dynamoProvisionedPerMillionWrites(utilization, US_EAST_1)).toBeCloseTo(perMillion, 6);
  });

  it('is about $0.26 per million writes at 70 %, under half the on-demand price', () => {
    const provisioned = dynamoProvisionedPerMillionWrites(0.7, US_EAST_1);
    expect(provisioned).toBeCloseTo(0.258, 3);
    expect(provisioned / US_EAST_1.dynamoWriteRequestUnitsPerMillion).toBeLessThan(0.5);
  });

  it.each([
    { meters: 100_000, cadenceSeconds: 60, floor: false },
    { meters: 10, cadenceSeconds: 900, floor: true },
  ])('runs $meters meters every $cadenceSeconds s at the write units the target needs, never under the floor', (s) => {
    const m = monthlyCost(s, units, deployment, US_EAST_1);
    const needed = s.meters / s.cadenceSeconds / 0.7;
    expect(m.dynamoWriteUnitsProvisioned).toBeCloseTo(s.floor ? 5 : needed, 6);
    expect(m.dynamoWritesProvisioned).toBeCloseTo(
      730 *
        (m.dynamoWriteUnitsProvisioned * US_EAST_1.dynamoWriteCapacityUnitHour +
          5 * US_EAST_1.dynamoReadCapacityUnitHour),
      6,
    );
  });
});
