/**
 * `docs/cost.md`, generated: the measured per-reading figures (from the ingest benchmark) times the list prices in
 * `prices.ts`, through the arithmetic in `cost-model.ts`. Nothing here is measured; it only writes.
 */
import { APP_CONFIG_DEFAULTS, READINGS_CAPACITY_DEFAULTS } from '../lib/app-config';
import { measureArchiveSize } from './archive-size';
import {
  archiveMonthlyCost,
  archiveStorageFirstYear,
  atRestMonthly,
  dynamoPerMillion,
  dynamoProvisionedPerMillionWrites,
  fargateMonthly,
  fitLambdaMillis,
  floorMonthly,
  kinesisOnDemandPerMillion,
  kinesisProvisionedPerMillion,
  lambdaPerMillion,
  monthlyCost,
  type Deployment,
  type Scenario,
  type UnitCosts,
} from './cost-model';
import { stackAtRest } from './stack-at-rest';
import { HOURS_PER_MONTH, PRICES_AS_OF, PRICES_REGION, US_EAST_1, type Prices } from './prices';

/** What the cost page needs from a bench run. */
export interface CostInputs {
  readonly recordBytes: number;
  readonly writeUnitsPerNew: number;
  readonly writeUnitsPerDuplicate: number;
  readonly storedItemBytes: number;
  /** Handler milliseconds per batch, by batch size (medians). */
  readonly handlerMillisByBatch: readonly { readonly batch: number; readonly millis: number }[];
}

/** The scenarios of the cost table. */
export const SCENARIOS: readonly Scenario[] = [
  { meters: 1_000, cadenceSeconds: 900 },
  { meters: 1_000, cadenceSeconds: 60 },
  { meters: 100_000, cadenceSeconds: 900 },
  { meters: 100_000, cadenceSeconds: 60 },
];

/**
 * A provisioned stream's shards are sized so the average uses at most half of their record and byte limits. A feed's
 * readings come in a burst at the top of each interval: the bridge's bounded in-flight window spreads it out, but a
 * backlog drained after an outage arrives at the bridge's full rate. A write beyond a shard's limit is not lost (the
 * sink retries what Kinesis throttles), only late.
 */
export const PROVISIONED_STREAM_MAX_UTILIZATION = 0.5;

/**
 * The deployment assumed: the CDK app's defaults (lib/: ingest Lambda arm64 512 MB, batch size and batching window
 * from `APP_CONFIG_DEFAULTS`, one bridge task of 0.25 vCPU and 0.5 GB on arm64 per feed), 1% duplicate deliveries,
 * and one custom metric per metric name (the ingest `Rejected` metric once per reason).
 */
export function defaultDeployment(): Deployment {
  const atRest = stackAtRest(1);
  return {
    lambdaMemoryMb: 512,
    batchSize: APP_CONFIG_DEFAULTS.ingestBatchSize,
    batchingWindowSeconds: APP_CONFIG_DEFAULTS.ingestMaxBatchingWindowSeconds,
    fargateVcpu: 0.25,
    fargateMemoryGb: 0.5,
    fargateTasks: 1,
    duplicateShare: 0.01,
    customMetrics: atRest.customMetrics,
    atRest,
    provisionedStreamMaxUtilization: PROVISIONED_STREAM_MAX_UTILIZATION,
    provisionedReadings: {
      targetUtilization: READINGS_CAPACITY_DEFAULTS.readingsTargetUtilizationPercent / 100,
      minWriteUnits: READINGS_CAPACITY_DEFAULTS.readingsMinWriteUnits,
      minReadUnits: READINGS_CAPACITY_DEFAULTS.readingsMinReadUnits,
    },
  };
}

const usd = (n: number): string =>
  n >= 100 ? `$${Math.round(n).toLocaleString('en-US')}` : n >= 1 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`;

function cadence(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${seconds} s`;
}

/** The rows of the at-rest table: each thing the stack keeps, its count and its monthly dollars. */
function atRestRows(d: Deployment, p: Prices): string[] {
  const a = d.atRest;
  const row = (what: string, count: number, dollars: number) => `| ${what} | ${count} | ${usd(dollars)} |`;
  return [
    row(`Fargate task (${d.fargateVcpu} vCPU, ${d.fargateMemoryGb} GB, arm64)`, d.fargateTasks, fargateMonthly(d, p)),
    row(
      'Public IPv4 address of the task (public subnets, the default VPC)',
      a.publicIpv4Addresses,
      a.publicIpv4Addresses * p.publicIpv4Hour * HOURS_PER_MONTH,
    ),
    row('Secrets Manager secret (the MQTT credentials)', a.secrets, a.secrets * p.secretMonth),
    row('Custom metrics of the bridge and the ingest function', d.customMetrics, d.customMetrics * p.customMetricMonth),
    row(
      'Container Insights metrics (an estimate; the bridge-not-running alarm needs them)',
      a.containerInsightsMetrics,
      a.containerInsightsMetrics * p.customMetricMonth,
    ),
    row('Alarm metrics (standard resolution)', a.alarmMetrics, a.alarmMetrics * p.alarmMetricMonth),
    row("Dashboard (free if it is one of the account's first three)", a.dashboards, a.dashboards * p.dashboardMonth),
    row('KMS key (the alarm topic)', a.kmsKeys, a.kmsKeys * p.kmsKeyMonth),
    `| **Everything at rest besides the stream** | | **${usd(fargateMonthly(d, p) + atRestMonthly(d, p))}** |`,
  ];
}

/** The Markdown of `docs/cost.md`. */
export function costMarkdown(
  inputs: CostInputs,
  run: { readonly generatedAt: string; readonly mode: string },
  p: Prices = US_EAST_1,
): string {
  const d = defaultDeployment();
  const fit = fitLambdaMillis(inputs.handlerMillisByBatch);
  const u: UnitCosts = {
    kinesisRecordBytes: inputs.recordBytes,
    writeUnitsPerNewReading: inputs.writeUnitsPerNew,
    writeUnitsPerDuplicate: inputs.writeUnitsPerDuplicate,
    storedItemBytes: inputs.storedItemBytes,
    lambdaFixedMillis: fit.fixed,
    lambdaMillisPerRecord: fit.perRecord,
  };
  const ddb = dynamoPerMillion(u, p);
  const floor = floorMonthly(d, p);
  const lines: string[] = [];
  lines.push(
    '# Cost',
    '',
    `<!-- Generated by \`npm run bench\` (bench/cost-report.ts) from bench/results.json: do not edit by hand. -->`,
    '',
    `Prices: **${PRICES_REGION}**, list prices as of ${PRICES_AS_OF}. There is no network on the machine that generated`,
    'this page, so the prices were not fetched: verify them at the AWS pricing pages (Kinesis Data Streams, Lambda,',
    'DynamoDB, Fargate, Secrets Manager, CloudWatch, KMS, public IPv4 in Amazon VPC) and change `bench/prices.ts` if they moved.',
    '',
    `Measured figures from the bench run of ${run.generatedAt} (${run.mode} mode), see [performance.md](performance.md):`,
    '',
    '| Measured | Value |',
    '| --- | --- |',
    `| Kinesis record (envelope + partition key) | ${inputs.recordBytes.toFixed(0)} bytes |`,
    `| DynamoDB write units per new reading | ${inputs.writeUnitsPerNew.toFixed(2)} |`,
    `| DynamoDB write units per duplicate (refused conditional write) | ${inputs.writeUnitsPerDuplicate.toFixed(2)} |`,
    `| Stored readings item (with DynamoDB's 100-byte overhead) | ${inputs.storedItemBytes.toFixed(0)} bytes |`,
    ...inputs.handlerMillisByBatch.map(
      (x) => `| Ingest handler per batch of ${x.batch} (DynamoDB Local, this machine) | ${x.millis.toFixed(0)} ms |`,
    ),
    `| Handler time model (fit) | ${fit.fixed.toFixed(1)} ms + ${fit.perRecord.toFixed(2)} ms per record |`,
    '',
    "Assumptions (the CDK app's defaults, `lib/`): ingest Lambda on arm64 with " +
      `${d.lambdaMemoryMb} MB, event source batch size ${d.batchSize}, batching window ${d.batchingWindowSeconds} s ` +
      '(a shard is polled about once a second, so a quiet shard hands over what arrived in that second); one bridge ' +
      `task of ${d.fargateVcpu} vCPU and ${d.fargateMemoryGb} GB on arm64 Fargate; ${(d.duplicateShare * 100).toFixed(0)}% ` +
      `duplicate deliveries; ${d.customMetrics} custom CloudWatch metrics; one reading per meter per interval (a meter ` +
      "with several registers counts once per register); rates are averages (the provider's bursts at the top of an " +
      "interval are absorbed by the bridge's window and Kinesis, and do not change the monthly sums). Not counted: " +
      "data transfer, CloudWatch Logs ingestion (the VPC flow log included), an existing VPC's NAT gateway, DynamoDB Streams reads by " +
      'downstream apps, Kinesis extended retention. The handler time was measured against DynamoDB Local on a shared ' +
      'machine; in AWS a DynamoDB write takes a few milliseconds, so treat the Lambda line as an order of magnitude.',
    '',
    '## Dollars per million readings',
    '',
    '| Component | $ per million readings | How |',
    '| --- | --- | --- |',
    `| Kinesis on-demand | ${usd(kinesisOnDemandPerMillion(u, p))} | ingest $${p.kinesisOnDemandIngestPerGb}/GB + retrieval $${p.kinesisOnDemandRetrievalPerGb}/GB, each record rounded up to 1 KB; plus $${p.kinesisOnDemandStreamHour} per stream-hour |`,
    `| Kinesis provisioned | ${usd(kinesisProvisionedPerMillion(u, p))} | $${p.kinesisPutPayloadUnitsPerMillion} per million 25 KB PUT payload units; plus $${p.kinesisShardHour} per shard-hour |`,
    `| Lambda, full batches of ${d.batchSize} | ${usd(lambdaPerMillion(d.batchSize, u, d, p))} | $${p.lambdaRequestsPerMillion}/million requests + $${p.lambdaArmGbSecond}/GB-s (arm64) |`,
    `| Lambda, one record per invocation (a quiet stream) | ${usd(lambdaPerMillion(1, u, d, p))} | same prices |`,
    `| DynamoDB, new readings | ${usd(ddb.newReadings)} | $${p.dynamoWriteRequestUnitsPerMillion}/million write request units (on-demand) |`,
    `| DynamoDB, duplicates | ${usd(ddb.duplicates)} | a refused conditional write is still charged |`,
    `| DynamoDB provisioned (\`readingsCapacityMode\` PROVISIONED), new readings | ${usd(inputs.writeUnitsPerNew * dynamoProvisionedPerMillionWrites(d.provisionedReadings.targetUtilization, p))} | $${p.dynamoWriteCapacityUnitHour} per write capacity unit-hour at ${(d.provisionedReadings.targetUtilization * 100).toFixed(0)}% utilisation (auto scaling's target); floors of ${d.provisionedReadings.minWriteUnits} write and ${d.provisionedReadings.minReadUnits} read units are paid at rest |`,
    `| DynamoDB storage | ${usd(((1e6 * inputs.storedItemBytes) / 1024 ** 3) * p.dynamoStorageGbMonth)} per month kept | $${p.dynamoStorageGbMonth}/GB-month |`,
    `| Fargate | see below | $${p.fargateArmVcpuHour}/vCPU-hour + $${p.fargateArmGbHour}/GB-hour (arm64): ${usd(fargateMonthly(d, p))} a month whatever the volume |`,
    '',
    '## Per month, by fleet',
    '',
    `With no readings at all the stack costs ${usd(floor.onDemand)} a month with an on-demand stream, ${usd(floor.provisioned)} with one provisioned shard: Fargate, the stream, and what else it keeps running for one feed (\`bench/stack-at-rest.ts\`, checked against the synthesised template):`,
    '',
    '| At rest, one feed | Count | $ per month |',
    '| --- | --- | --- |',
    ...atRestRows(d, p),
    '',
    `Provisioned shards are sized so the average uses at most ${(d.provisionedStreamMaxUtilization * 100).toFixed(0)}% of a shard's 1,000 records and 1 MiB a second: the readings come in a burst at the top of each interval, and a backlog after an outage drains at the bridge's full rate (a write over the limit is retried by the bridge, not lost, only late).`,
    '',
    '| Fleet | Readings/month | Kinesis on-demand | Kinesis provisioned (shards) | Lambda (records/invocation) | DynamoDB writes, on demand | DynamoDB writes, provisioned (write units) | DynamoDB storage, one more month kept | Fargate | At rest (secret, metrics, alarms, dashboard, key, IPv4) | Total, on-demand | Total, provisioned | $ per million readings (on-demand / provisioned) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const s of SCENARIOS) {
    const m = monthlyCost(s, u, d, p);
    const millions = m.readingsPerMonth / 1e6;
    lines.push(
      `| ${s.meters.toLocaleString('en-US')} meters, every ${cadence(s.cadenceSeconds)} | ${(m.readingsPerMonth / 1e6).toFixed(1)} M | ${usd(m.kinesisOnDemand)} | ${usd(m.kinesisProvisioned)} (${m.kinesisShards}) | ${usd(m.lambda)} (${m.lambdaBatch.toFixed(m.lambdaBatch < 10 ? 1 : 0)}) | ${usd(m.dynamoWrites)} | ${usd(m.dynamoWritesProvisioned)} (${Math.ceil(m.dynamoWriteUnitsProvisioned)}) | +${usd(m.dynamoStorageAddedPerMonth)}/month | ${usd(m.fargate)} | ${usd(m.fixedOther)} | **${usd(m.totalOnDemand)}** | **${usd(m.totalProvisioned)}** | ${usd(m.totalOnDemand / millions)} / ${usd(m.totalProvisioned / millions)} |`,
    );
  }
  lines.push(
    '',
    'Reading the table: at small fleets the fixed costs (the on-demand stream-hours, Fargate) are nearly all of it, and',
    'a provisioned single shard is the cheaper stream; the per-reading costs (DynamoDB writes first) take over as the',
    'fleet grows. DynamoDB storage grows with every month of readings kept: the column is what one month of readings',
    'adds to every later monthly bill. The totals use DynamoDB on demand (the default); with the readings table',
    'provisioned, replace the on-demand writes column by the provisioned one: the larger the steady fleet, the more',
    'it saves (the floor of a few write units costs more than on demand only for the smallest fleet).',
    '',
    ...archiveSection(inputs, u, d, p),
  );
  return lines.join('\n');
}

/**
 * The archiver (`lib/raw-archive.ts`) as deployed: batches of up to 10,000 records, a 300 s window, 512 MB; its time
 * modelled as a 100 ms PutObject round trip plus 0.02 ms per record (encode and gzip measured at 0.015-0.025 ms per
 * record on this machine).
 */
export const ARCHIVE_DEPLOYMENT = { batchSize: 10_000, batchingWindowSeconds: 300, memoryMb: 512 } as const;

function archiveSection(inputs: CostInputs, u: UnitCosts, d: Deployment, p: Prices): string[] {
  const size = measureArchiveSize(2000);
  const au = {
    kinesisRecordBytes: inputs.recordBytes,
    archivedBytesPerRecord: size.archivedBytesPerRecord,
    eventBytesPerRecord: size.eventBytesPerRecord,
    archiverFixedMillis: 100,
    archiverMillisPerRecord: 0.02,
  };
  const lines = [
    '## The raw archive: a Lambda archiver, not Firehose',
    '',
    'Every stream record is kept in S3 (`lib/raw-archive.ts`, layout in `core/raw-archive.ts`). Two ways to fill it',
    'were costed at the four fleets: a Lambda archiver (a second event source mapping on the stream, batches of up to',
    `${ARCHIVE_DEPLOYMENT.batchSize.toLocaleString('en-US')} records, a ${ARCHIVE_DEPLOYMENT.batchingWindowSeconds} s batching window: one invocation and one PUT per shard per window, or per`,
    'full 6 MB batch when records come faster) and Amazon Data Firehose reading the stream into S3 (billed per record',
    'rounded up to 5 KB, buffers of up to 128 MiB or 900 s). Both are a second shared-throughput consumer: on an',
    'on-demand stream each pays the retrieval per GB once more; a provisioned shard has room for both.',
    '',
    `Measured on the benchmark feed (\`bench/archive-size.ts\`): a ${size.recordBytes.toFixed(0)}-byte record is a ${size.lineBytesPerRecord.toFixed(0)}-byte`,
    `archive line (base64 data, shard, sequence number, partition key, arrival time) and ${size.archivedBytesPerRecord.toFixed(1)} bytes once gzipped in`,
    `an object of ${size.records.toLocaleString('en-US')} records; one record adds about ${size.eventBytesPerRecord} bytes to a Lambda event, so Lambda's 6 MB payload`,
    `cuts a batch at about ${Math.floor((6 * 1024 * 1024) / size.eventBytesPerRecord).toLocaleString('en-US')} records. The bench feed is regular; a real feed compresses less, so read the storage`,
    'columns as a floor (ten times the bytes still leaves them small against the rest of the stack).',
    '',
    '| Fleet | Lambda archiver: objects (PUTs)/month | PUTs | Lambda | Firehose ingestion (5 KB per record) | Firehose PUTs | Retrieval, on-demand stream (either) | S3 Standard, first month of one month | One month kept a year (Standard, IA, Glacier IR) | **Lambda archiver total** (on-demand / provisioned) | **Firehose total** (on-demand / provisioned) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of SCENARIOS) {
    const c = archiveMonthlyCost(s, au, ARCHIVE_DEPLOYMENT, d, p);
    const gb =
      ((s.meters / s.cadenceSeconds) * (1 + d.duplicateShare) * 730 * 3600 * au.archivedBytesPerRecord) / 1024 ** 3;
    lines.push(
      `| ${s.meters.toLocaleString('en-US')} meters, every ${cadence(s.cadenceSeconds)} | ${Math.round(c.lambda.objectsPerMonth).toLocaleString('en-US')} | ${usd(c.lambda.puts)} | ${usd(c.lambda.consumer)} | ${usd(c.firehose.consumer)} | ${usd(c.firehose.puts)} | ${usd(c.lambda.onDemandRetrieval)} | ${usd(c.lambda.storageFirstMonth)} | ${usd(archiveStorageFirstYear(gb, p))} | **${usd(c.lambda.totalOnDemand)}** / **${usd(c.lambda.totalProvisioned)}** | ${usd(c.firehose.totalOnDemand)} / ${usd(c.firehose.totalProvisioned)} |`,
    );
  }
  lines.push(
    '',
    'The choice: **the Lambda archiver**. Firehose rounds every ~370-byte record up to 5 KB, so it bills about 14',
    'times the bytes; at 100,000 meters every minute that is hundreds of dollars a month against a few for the',
    'archiver, whose cost is almost all PUTs (one per object) and so barely grows with the fleet. Firehose would also',
    'need a transformation Lambda to keep the shard and sequence number beside each record (the replay and the audit',
    'need them), and it runs nowhere locally, where the archiver runs as it does in AWS (`npm start`, against a local',
    'S3). What the archiver costs instead is a few minutes of lag (the 300 s window) and its own alarms. Lifecycle:',
    'Standard-IA after 30 days and Glacier Instant Retrieval after 90 (a replay reads any age with a plain GET), expiry',
    'after `archiveRetentionDays` (default 3,650). S3 does not move objects under 128 KB to IA or Glacier IR (its',
    "default minimum transition size), which the small fleets' objects can be: they stay in Standard, at these",
    'sizes a few cents.',
    '',
  );
  return lines;
}
