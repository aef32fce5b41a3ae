/**
 * The cost arithmetic behind `docs/cost.md`, pure: measured per-reading figures (Kinesis bytes per record, DynamoDB
 * write units per new reading and per duplicate, Lambda milliseconds per batch) times list prices ({@link Prices}),
 * for a scenario of so many meters at a cadence. Every assumption is an explicit field of {@link Deployment}.
 */
import { HOURS_PER_MONTH, type Prices } from './prices';

/** What the bench measured, per reading. */
export interface UnitCosts {
  /** Bytes of one Kinesis record: the envelope plus its partition key. */
  readonly kinesisRecordBytes: number;
  /** DynamoDB write request units for a reading stored for the first time. */
  readonly writeUnitsPerNewReading: number;
  /** DynamoDB write request units for a duplicate delivery of a stored reading. */
  readonly writeUnitsPerDuplicate: number;
  /** Bytes of one stored readings item, as DynamoDB sizes it (names plus values, plus 100 bytes of overhead). */
  readonly storedItemBytes: number;
  /** Handler milliseconds per invocation that are independent of the batch's size. */
  readonly lambdaFixedMillis: number;
  /** Handler milliseconds per record in a batch. */
  readonly lambdaMillisPerRecord: number;
}

/** How the stack is assumed to be deployed and fed. */
export interface Deployment {
  /** Lambda memory, MB. */
  readonly lambdaMemoryMb: number;
  /** Kinesis event source mapping batch size. */
  readonly batchSize: number;
  /** Seconds a shard's records gather before an invocation: the batching window, at least the 1 s polling period. */
  readonly batchingWindowSeconds: number;
  /** Fargate task size and count (one task: one MQTT session per client id). */
  readonly fargateVcpu: number;
  readonly fargateMemoryGb: number;
  readonly fargateTasks: number;
  /** Share of deliveries that are duplicates (QoS 1 redeliveries), 0-1. */
  readonly duplicateShare: number;
  /** Custom CloudWatch metrics the stack emits (bridge and ingest). */
  readonly customMetrics: number;
  /** What else the stack keeps running whatever the volume (`bench/stack-at-rest.ts` counts it per feed). */
  readonly atRest: StackAtRest;
  /**
   * The share of a provisioned shard's write limits (1,000 records and 1 MiB a second) the average rate may use: the
   * rest is headroom for the burst at the top of each interval and for a backlog drained after an outage.
   */
  readonly provisionedStreamMaxUtilization: number;
  /** The readings table provisioned (`readingsCapacityMode` PROVISIONED): target utilisation and capacity floors. */
  readonly provisionedReadings: {
    readonly targetUtilization: number;
    readonly minWriteUnits: number;
    readonly minReadUnits: number;
  };
}

/** What the stack runs at rest besides Fargate's vCPU and memory and the stream. */
export interface StackAtRest {
  /** Secrets Manager secrets (one per feed: its MQTT credentials). */
  readonly secrets: number;
  /** Public IPv4 addresses held (one per bridge task in a public subnet; none behind a NAT). */
  readonly publicIpv4Addresses: number;
  /** Container Insights metrics (charged as custom metrics), 0 when it is off. */
  readonly containerInsightsMetrics: number;
  /** Standard-resolution alarm metrics (an alarm on one metric is one; a metric-math alarm one per metric in it). */
  readonly alarmMetrics: number;
  readonly dashboards: number;
  /** Customer managed KMS keys. */
  readonly kmsKeys: number;
}

/** A fleet: so many meters, each sending one reading every `cadenceSeconds`. */
export interface Scenario {
  readonly meters: number;
  readonly cadenceSeconds: number;
}

/** Monthly dollars, by component. */
export interface MonthlyCost {
  readonly readingsPerMonth: number;
  readonly readingsPerSecond: number;
  readonly kinesisShards: number;
  readonly lambdaBatch: number;
  readonly kinesisOnDemand: number;
  readonly kinesisProvisioned: number;
  readonly lambda: number;
  readonly dynamoWrites: number;
  /** The same writes on a provisioned table auto scaled to the target utilisation (write and read floors included). */
  readonly dynamoWritesProvisioned: number;
  /** Write capacity units the provisioned table runs at on average. */
  readonly dynamoWriteUnitsProvisioned: number;
  /** Storage for one month of readings, per month it is kept. */
  readonly dynamoStorageAddedPerMonth: number;
  readonly fargate: number;
  /** Everything else at rest: secrets, custom and Container Insights metrics, alarms, dashboards, keys, IPv4. */
  readonly fixedOther: number;
  /** Everything, with Kinesis on-demand. */
  readonly totalOnDemand: number;
  /** Everything, with Kinesis provisioned. */
  readonly totalProvisioned: number;
}

const GB = 1024 ** 3;
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
/** Kinesis shard limits: records and bytes per second written. */
const SHARD_RECORDS_PER_SECOND = 1000;
const SHARD_BYTES_PER_SECOND = 1024 * 1024;

/** Bytes rounded up to whole KB, as Kinesis on-demand bills each record. */
export function roundUpToKb(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024)) * 1024;
}

/**
 * Provisioned shards for an average write rate (at least one), the average using at most `maxUtilization` of each
 * shard's record and byte limits.
 */
export function shardsFor(recordsPerSecond: number, recordBytes: number, maxUtilization = 1): number {
  if (!(maxUtilization > 0 && maxUtilization <= 1))
    throw new RangeError(`maxUtilization must be in (0, 1], got ${maxUtilization}`);
  return Math.max(
    1,
    Math.ceil(recordsPerSecond / (SHARD_RECORDS_PER_SECOND * maxUtilization)),
    Math.ceil((recordsPerSecond * recordBytes) / (SHARD_BYTES_PER_SECOND * maxUtilization)),
  );
}

/** Records per invocation: what a shard gathers in one batching window, between 1 and the batch size. */
export function effectiveBatch(recordsPerSecond: number, shards: number, d: Deployment): number {
  const gathered = (recordsPerSecond / shards) * Math.max(1, d.batchingWindowSeconds);
  return Math.min(d.batchSize, Math.max(1, gathered));
}

/** Billed Lambda milliseconds for one invocation of `batch` records (rounded up to 1 ms). */
export function billedMillis(batch: number, u: UnitCosts): number {
  return Math.max(1, Math.ceil(u.lambdaFixedMillis + u.lambdaMillisPerRecord * batch));
}

/** Lambda dollars per million deliveries at a given batch size. */
export function lambdaPerMillion(batch: number, u: UnitCosts, d: Deployment, p: Prices): number {
  const invocations = 1e6 / batch;
  const gbSeconds = (invocations * billedMillis(batch, u) * d.lambdaMemoryMb) / 1024 / 1000;
  return (invocations * p.lambdaRequestsPerMillion) / 1e6 + gbSeconds * p.lambdaArmGbSecond;
}

/** Kinesis on-demand dollars per million records, ingest and retrieval (no stream-hours). */
export function kinesisOnDemandPerMillion(u: UnitCosts, p: Prices): number {
  const gb = (1e6 * roundUpToKb(u.kinesisRecordBytes)) / GB;
  return gb * (p.kinesisOnDemandIngestPerGb + p.kinesisOnDemandRetrievalPerGb);
}

/** Kinesis provisioned dollars per million records: PUT payload units (25 KB each; no shard-hours). */
export function kinesisProvisionedPerMillion(u: UnitCosts, p: Prices): number {
  return Math.max(1, Math.ceil(u.kinesisRecordBytes / (25 * 1024))) * p.kinesisPutPayloadUnitsPerMillion;
}

/** DynamoDB on-demand dollars per million new readings and per million duplicates. */
export function dynamoPerMillion(
  u: UnitCosts,
  p: Prices,
): { readonly newReadings: number; readonly duplicates: number } {
  return {
    newReadings: u.writeUnitsPerNewReading * p.dynamoWriteRequestUnitsPerMillion,
    duplicates: u.writeUnitsPerDuplicate * p.dynamoWriteRequestUnitsPerMillion,
  };
}

/**
 * DynamoDB provisioned dollars per million write units at a utilisation: one write capacity unit serves 3,600 writes an
 * hour at 100 %, so a million writes take 1e6 / (3600 × utilisation) unit-hours.
 */
export function dynamoProvisionedPerMillionWrites(utilization: number, p: Prices): number {
  return (1e6 / (3600 * utilization)) * p.dynamoWriteCapacityUnitHour;
}

/** Fargate dollars per month. */
export function fargateMonthly(d: Deployment, p: Prices): number {
  return (
    d.fargateTasks * HOURS_PER_MONTH * (d.fargateVcpu * p.fargateArmVcpuHour + d.fargateMemoryGb * p.fargateArmGbHour)
  );
}

/** The monthly dollars of what the stack keeps besides Fargate's vCPU and memory and the stream ({@link StackAtRest}). */
export function atRestMonthly(d: Deployment, p: Prices): number {
  const a = d.atRest;
  return (
    a.secrets * p.secretMonth +
    (d.customMetrics + a.containerInsightsMetrics) * p.customMetricMonth +
    a.alarmMetrics * p.alarmMetricMonth +
    a.dashboards * p.dashboardMonth +
    a.kmsKeys * p.kmsKeyMonth +
    a.publicIpv4Addresses * p.publicIpv4Hour * HOURS_PER_MONTH
  );
}

/** What runs with no readings at all: Fargate, the on-demand stream or one shard, and everything at rest. */
export function floorMonthly(d: Deployment, p: Prices): { readonly onDemand: number; readonly provisioned: number } {
  const fixed = fargateMonthly(d, p) + atRestMonthly(d, p);
  return {
    onDemand: fixed + p.kinesisOnDemandStreamHour * HOURS_PER_MONTH,
    provisioned: fixed + p.kinesisShardHour * HOURS_PER_MONTH,
  };
}

/** The monthly cost of a scenario, by component. */
export function monthlyCost(s: Scenario, u: UnitCosts, d: Deployment, p: Prices): MonthlyCost {
  const readingsPerSecond = s.meters / s.cadenceSeconds;
  const readingsPerMonth = readingsPerSecond * SECONDS_PER_MONTH;
  const duplicates = readingsPerMonth * d.duplicateShare;
  const deliveries = readingsPerMonth + duplicates;
  const deliveriesPerSecond = deliveries / SECONDS_PER_MONTH;
  const kinesisShards = shardsFor(deliveriesPerSecond, u.kinesisRecordBytes, d.provisionedStreamMaxUtilization);
  const lambdaBatch = effectiveBatch(deliveriesPerSecond, kinesisShards, d);
  const millions = deliveries / 1e6;
  const kinesisOnDemand = p.kinesisOnDemandStreamHour * HOURS_PER_MONTH + millions * kinesisOnDemandPerMillion(u, p);
  const kinesisProvisioned =
    kinesisShards * p.kinesisShardHour * HOURS_PER_MONTH + millions * kinesisProvisionedPerMillion(u, p);
  const lambda = millions * lambdaPerMillion(lambdaBatch, u, d, p);
  const ddb = dynamoPerMillion(u, p);
  const dynamoWrites = (readingsPerMonth / 1e6) * ddb.newReadings + (duplicates / 1e6) * ddb.duplicates;
  const writeUnitsPerSecond =
    (readingsPerSecond * u.writeUnitsPerNewReading + (duplicates / SECONDS_PER_MONTH) * u.writeUnitsPerDuplicate) /
    d.provisionedReadings.targetUtilization;
  const dynamoWriteUnitsProvisioned = Math.max(d.provisionedReadings.minWriteUnits, writeUnitsPerSecond);
  const dynamoWritesProvisioned =
    HOURS_PER_MONTH *
    (dynamoWriteUnitsProvisioned * p.dynamoWriteCapacityUnitHour +
      d.provisionedReadings.minReadUnits * p.dynamoReadCapacityUnitHour);
  const dynamoStorageAddedPerMonth = ((readingsPerMonth * u.storedItemBytes) / GB) * p.dynamoStorageGbMonth;
  const fargate = fargateMonthly(d, p);
  const fixedOther = atRestMonthly(d, p);
  const common = lambda + dynamoWrites + dynamoStorageAddedPerMonth + fargate + fixedOther;
  return {
    readingsPerMonth,
    readingsPerSecond,
    kinesisShards,
    lambdaBatch,
    kinesisOnDemand,
    kinesisProvisioned,
    lambda,
    dynamoWrites,
    dynamoWritesProvisioned,
    dynamoWriteUnitsProvisioned,
    dynamoStorageAddedPerMonth,
    fargate,
    fixedOther,
    totalOnDemand: common + kinesisOnDemand,
    totalProvisioned: common + kinesisProvisioned,
  };
}

/**
 * Fits handler time as `fixed + perRecord × batch` through two measured points (batch size, milliseconds per batch);
 * with one point, or a negative fixed part, all time is per record.
 */
export function fitLambdaMillis(points: readonly { readonly batch: number; readonly millis: number }[]): {
  readonly fixed: number;
  readonly perRecord: number;
} {
  const sorted = [...points].filter((q) => q.batch > 0 && Number.isFinite(q.millis)).sort((a, b) => a.batch - b.batch);
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  if (!lo || !hi) return { fixed: 0, perRecord: 0 };
  if (lo.batch === hi.batch) return { fixed: 0, perRecord: hi.millis / hi.batch };
  const perRecord = (hi.millis - lo.millis) / (hi.batch - lo.batch);
  const fixed = lo.millis - perRecord * lo.batch;
  if (perRecord <= 0 || fixed < 0) return { fixed: 0, perRecord: hi.millis / hi.batch };
  return { fixed, perRecord };
}

/** What the archive's cost depends on, per record (see `bench/archive-size.ts` for how the bytes are measured). */
export interface ArchiveUnitCosts {
  /** Bytes of one Kinesis record (as {@link UnitCosts.kinesisRecordBytes}). */
  readonly kinesisRecordBytes: number;
  /** Compressed archive bytes per record (gzip NDJSON line), at the object size of the scenario. */
  readonly archivedBytesPerRecord: number;
  /** Bytes one record adds to a Lambda Kinesis event (base64 data, event id, ARNs, field names). */
  readonly eventBytesPerRecord: number;
  /** Archiver milliseconds per invocation independent of its size (the PutObject round trip). */
  readonly archiverFixedMillis: number;
  /** Archiver milliseconds per record (decode, encode, gzip). */
  readonly archiverMillisPerRecord: number;
}

/** How the archiver is deployed (`lib/raw-archive.ts`). */
export interface ArchiveDeployment {
  readonly batchSize: number;
  readonly batchingWindowSeconds: number;
  readonly memoryMb: number;
}

/** One archive consumer's monthly dollars. */
export interface ArchiveConsumerCost {
  /** Objects (one PUT each) per month. */
  readonly objectsPerMonth: number;
  readonly puts: number;
  /** Lambda requests and duration (the Lambda archiver), or Firehose's ingestion (Firehose). */
  readonly consumer: number;
  /** Kinesis on-demand retrieval by this second consumer (a provisioned stream charges nothing more). */
  readonly onDemandRetrieval: number;
  /** S3 Standard storage of one month of records, in the first month (then IA, then Glacier IR). */
  readonly storageFirstMonth: number;
  /** Total with an on-demand stream. */
  readonly totalOnDemand: number;
  /** Total with a provisioned stream. */
  readonly totalProvisioned: number;
}

/** Lambda's limit on a synchronous invocation's payload: the mapping cuts a batch there. */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** Firehose bills each record rounded up to this many bytes. */
export const FIREHOSE_RECORD_ROUNDING_BYTES = 5 * 1024;

/** Firehose's largest S3 buffer: 128 MiB or 900 s, whichever comes first. */
const FIREHOSE_BUFFER = { bytes: 128 * 1024 * 1024, seconds: 900 };

/**
 * The monthly cost of archiving every delivery of a scenario, two ways: the Lambda archiver of `lib/raw-archive.ts`
 * (one invocation and one PUT per shard per batching window, or per full batch when records come faster), and
 * Firehose reading the stream into S3 (billed per record rounded up to 5 KB, buffers of up to 128 MiB or 900 s).
 * Both are a second shared-throughput consumer: on an on-demand stream each pays the retrieval per GB again.
 */
export function archiveMonthlyCost(
  s: Scenario,
  u: ArchiveUnitCosts,
  a: ArchiveDeployment,
  d: Deployment,
  p: Prices,
): { readonly lambda: ArchiveConsumerCost; readonly firehose: ArchiveConsumerCost } {
  const readingsPerSecond = s.meters / s.cadenceSeconds;
  const deliveriesPerSecond = readingsPerSecond * (1 + d.duplicateShare);
  const deliveriesPerMonth = deliveriesPerSecond * SECONDS_PER_MONTH;
  const shards = shardsFor(deliveriesPerSecond, u.kinesisRecordBytes, d.provisionedStreamMaxUtilization);
  const retrieval = ((deliveriesPerMonth * roundUpToKb(u.kinesisRecordBytes)) / GB) * p.kinesisOnDemandRetrievalPerGb;
  const storageFirstMonth = ((deliveriesPerMonth * u.archivedBytesPerRecord) / GB) * p.s3StandardGbMonth;
  const hours = HOURS_PER_MONTH;

  const perShard = deliveriesPerSecond / shards;
  const fullBatch = Math.min(a.batchSize, Math.floor(LAMBDA_PAYLOAD_BYTES / u.eventBytesPerRecord));
  const window = Math.max(1, a.batchingWindowSeconds);
  const invocationsPerShardSecond = Math.max(perShard > 0 ? 1 / window : 0, perShard / fullBatch);
  const invocations = invocationsPerShardSecond * shards * SECONDS_PER_MONTH;
  const batch = invocations > 0 ? deliveriesPerMonth / invocations : 0;
  // a batch that straddles the hour is two objects: at most one more object per shard and hour
  const lambdaObjects = invocations + Math.min(invocations, shards * hours);
  const gbSeconds =
    (invocations * (u.archiverFixedMillis + u.archiverMillisPerRecord * batch) * a.memoryMb) / 1024 / 1000;
  const lambdaConsumer = (invocations * p.lambdaRequestsPerMillion) / 1e6 + gbSeconds * p.lambdaArmGbSecond;
  const lambdaPuts = (lambdaObjects / 1000) * p.s3PutPerThousand;

  const compressedPerSecond = deliveriesPerSecond * u.archivedBytesPerRecord;
  const firehoseObjects =
    SECONDS_PER_MONTH / Math.min(FIREHOSE_BUFFER.seconds, FIREHOSE_BUFFER.bytes / Math.max(1, compressedPerSecond));
  const firehoseConsumer =
    ((deliveriesPerMonth * Math.max(FIREHOSE_RECORD_ROUNDING_BYTES, u.kinesisRecordBytes)) / GB) *
    p.firehoseIngestPerGb;
  const firehosePuts = (firehoseObjects / 1000) * p.s3PutPerThousand;

  const build = (objectsPerMonth: number, puts: number, consumer: number): ArchiveConsumerCost => ({
    objectsPerMonth,
    puts,
    consumer,
    onDemandRetrieval: retrieval,
    storageFirstMonth,
    totalOnDemand: puts + consumer + retrieval + storageFirstMonth,
    totalProvisioned: puts + consumer + storageFirstMonth,
  });
  return {
    lambda: build(lambdaObjects, lambdaPuts, lambdaConsumer),
    firehose: build(firehoseObjects, firehosePuts, firehoseConsumer),
  };
}

/** Dollars a month to keep one month of archive for a year: 1 month Standard, 2 Standard-IA, 9 Glacier IR. */
export function archiveStorageFirstYear(gb: number, p: Prices): number {
  return gb * (1 * p.s3StandardGbMonth + 2 * p.s3StandardIaGbMonth + 9 * p.s3GlacierIrGbMonth);
}
