/**
 * The pipeline's CloudWatch metrics, defined apart from the alarms that use them. Custom metrics take their namespace,
 * names and dimensions from the constants that the bridge and the ingest function export (and emit), never from
 * literals here.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  BRIDGE_METRICS_NAMESPACE,
  BRIDGE_SERVICE_NAME,
  BridgeMetric,
  CLIENT_ID_DIMENSION,
} from '../bridge/src/metric-names';
import { ARCHIVE_METRICS_NAMESPACE, ARCHIVE_SERVICE_NAME, ArchiveMetric } from '../functions/archive/metric-names';
import { INGEST_METRICS_NAMESPACE, INGEST_SERVICE_NAME, IngestMetric } from '../functions/ingest/metric-names';

/** A bridge metric's name. */
export type BridgeMetricName = (typeof BridgeMetric)[keyof typeof BridgeMetric];
/** An ingest metric's name. */
export type IngestMetricName = (typeof IngestMetric)[keyof typeof IngestMetric];

/** The `service` dimension Powertools (and the bridge) put on every metric. */
const SERVICE_DIMENSION = 'service';

/** A bridge metric of one feed (its MQTT client id). */
export function bridgeMetric(
  metricName: BridgeMetricName,
  clientId: string,
  options: { readonly statistic: string; readonly period?: Duration },
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: BRIDGE_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: BRIDGE_SERVICE_NAME, [CLIENT_ID_DIMENSION]: clientId },
    statistic: options.statistic,
    period: options.period ?? Duration.minutes(1),
  });
}

/** An ingest function metric (without the `Reason` dimension: totals). */
export function ingestMetric(
  metricName: IngestMetricName,
  options: { readonly statistic: string; readonly period?: Duration },
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: INGEST_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: INGEST_SERVICE_NAME },
    statistic: options.statistic,
    period: options.period ?? Duration.minutes(5),
  });
}

/** An archiver metric's name. */
export type ArchiveMetricName = (typeof ArchiveMetric)[keyof typeof ArchiveMetric];

/** An archiver metric. */
export function archiveMetric(
  metricName: ArchiveMetricName,
  options: { readonly statistic: string; readonly period?: Duration },
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: ARCHIVE_METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: ARCHIVE_SERVICE_NAME },
    statistic: options.statistic,
    period: options.period ?? Duration.minutes(5),
  });
}

/**
 * An event source mapping metric (`MetricsConfig: EventCount`), by mapping id: for example
 * `OnFailureDestinationDeliveredEventCount` (records sent to the on-failure destination) and `DroppedEventCount`.
 */
export function eventSourceMappingMetric(
  metricName: 'OnFailureDestinationDeliveredEventCount' | 'DroppedEventCount' | 'PolledEventCount',
  eventSourceMappingId: string,
  period: Duration = Duration.minutes(5),
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/Lambda',
    metricName,
    dimensionsMap: { EventSourceMappingUUID: eventSourceMappingId },
    statistic: cloudwatch.Stats.SUM,
    period,
  });
}

/** Container Insights' count of running tasks of one ECS service. */
export function runningTaskCountMetric(clusterName: string, serviceName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'ECS/ContainerInsights',
    metricName: 'RunningTaskCount',
    dimensionsMap: { ClusterName: clusterName, ServiceName: serviceName },
    statistic: cloudwatch.Stats.MINIMUM,
    period: Duration.minutes(1),
  });
}

/** DynamoDB's count of throttled write requests on one table (conditional-check failures are not throttles). */
export function writeThrottleEventsMetric(tableName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: 'AWS/DynamoDB',
    metricName: 'WriteThrottleEvents',
    dimensionsMap: { TableName: tableName },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(5),
  });
}
