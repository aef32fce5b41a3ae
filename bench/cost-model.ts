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
  /** Storage for one month of readings, per month it is kept. */
  readonly dynamoStorageAddedPerMonth: number;
  readonly fargate: number;
  /** Secrets Manager and custom metrics. */
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

/** Provisioned shards for an average write rate (at least one). */
export function shardsFor(recordsPerSecond: number, recordBytes: number): number {
  return Math.max(
    1,
    Math.ceil(recordsPerSecond / SHARD_RECORDS_PER_SECOND),
    Math.ceil((recordsPerSecond * recordBytes) / SHARD_BYTES_PER_SECOND),
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

/** Fargate dollars per month. */
export function fargateMonthly(d: Deployment, p: Prices): number {
  return (
    d.fargateTasks * HOURS_PER_MONTH * (d.fargateVcpu * p.fargateArmVcpuHour + d.fargateMemoryGb * p.fargateArmGbHour)
  );
}

/** What runs with no readings at all: Fargate, the on-demand stream or one shard, the secret and the metrics. */
export function floorMonthly(d: Deployment, p: Prices): { readonly onDemand: number; readonly provisioned: number } {
  const fixed = fargateMonthly(d, p) + p.secretMonth + d.customMetrics * p.customMetricMonth;
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
  const kinesisShards = shardsFor(deliveriesPerSecond, u.kinesisRecordBytes);
  const lambdaBatch = effectiveBatch(deliveriesPerSecond, kinesisShards, d);
  const millions = deliveries / 1e6;
  const kinesisOnDemand = p.kinesisOnDemandStreamHour * HOURS_PER_MONTH + millions * kinesisOnDemandPerMillion(u, p);
  const kinesisProvisioned =
    kinesisShards * p.kinesisShardHour * HOURS_PER_MONTH + millions * kinesisProvisionedPerMillion(u, p);
  const lambda = millions * lambdaPerMillion(lambdaBatch, u, d, p);
  const ddb = dynamoPerMillion(u, p);
  const dynamoWrites = (readingsPerMonth / 1e6) * ddb.newReadings + (duplicates / 1e6) * ddb.duplicates;
  const dynamoStorageAddedPerMonth = ((readingsPerMonth * u.storedItemBytes) / GB) * p.dynamoStorageGbMonth;
  const fargate = fargateMonthly(d, p);
  const fixedOther = p.secretMonth + d.customMetrics * p.customMetricMonth;
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
