/**
 * What the deployed stack keeps running whatever the volume, per number of feeds: secrets, public IPv4 addresses,
 * Container Insights metrics, alarm metrics, the dashboard, the KMS key, and the custom metrics the bridge and the
 * ingest function emit. `test/bench/stack-at-rest.test.ts` counts the same things in the synthesised template for
 * one to three feeds, so this file cannot drift from `lib/` unnoticed.
 */
import { REJECTION_REASONS } from '../core';
import { BridgeMetric } from '../bridge/src/metric-names';
import { IngestMetric } from '../functions/ingest/metric-names';
import type { StackAtRest } from './cost-model';

/** Alarm metrics of the stack whatever the feeds (stream, ingest, archive, tables) and per feed (its bridge). */
export const ALARM_METRICS = { shared: 23, perFeed: 5 } as const;

/**
 * Container Insights (standard, not enhanced) metrics on Fargate, charged as custom metrics: about 10 with the
 * cluster's dimension, 13 per service (CPU, memory, network, storage, and the deployment and task counts) and 8 per
 * task definition family, from the metric list at
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-metrics-ECS.html. An estimate:
 * the account's bill is the measure. The stack needs it on: the bridge-not-running alarm reads `RunningTaskCount`.
 */
export const CONTAINER_INSIGHTS_METRICS = { perCluster: 10, perService: 13, perTaskFamily: 8 } as const;

/** The bridge's metrics carry the feed's client id as a dimension: one set per feed. */
export const BRIDGE_METRICS_PER_FEED = Object.keys(BridgeMetric).length;

/** The ingest function's metrics, `Rejected` once per reason. */
export const INGEST_METRICS = Object.keys(IngestMetric).length - 1 + REJECTION_REASONS.length;

/** Options of {@link stackAtRest}. */
export interface StackAtRestOptions {
  /**
   * The bridge runs in public subnets with a public IPv4 address per task: the default VPC the stack creates (no
   * NAT gateway). In an existing VPC with private subnets the tasks have none; that VPC's NAT gateway is the
   * account's own and not counted. @default true
   */
  readonly publicSubnets?: boolean;
  /** @default true (the stack turns it on) */
  readonly containerInsights?: boolean;
}

/** What the stack with `feeds` feeds (one bridge task each) keeps at rest. */
export function stackAtRest(feeds: number, options: StackAtRestOptions = {}): StackAtRest & { customMetrics: number } {
  if (!Number.isInteger(feeds) || feeds < 1) throw new RangeError(`feeds must be an integer >= 1, got ${feeds}`);
  const ci = CONTAINER_INSIGHTS_METRICS;
  return {
    secrets: feeds,
    publicIpv4Addresses: (options.publicSubnets ?? true) ? feeds : 0,
    containerInsightsMetrics:
      (options.containerInsights ?? true) ? ci.perCluster + feeds * (ci.perService + ci.perTaskFamily) : 0,
    alarmMetrics: ALARM_METRICS.shared + feeds * ALARM_METRICS.perFeed,
    dashboards: 1,
    kmsKeys: 1,
    customMetrics: INGEST_METRICS + feeds * BRIDGE_METRICS_PER_FEED,
  };
}
