/**
 * The functions' metrics: Powertools Metrics, written as CloudWatch embedded metric format (EMF) lines on stdout.
 * `POWERTOOLS_METRICS_DISABLED=true` turns the output off (tests, local runs that do not want it).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export { Metrics, MetricUnit };

/** A metrics object for one function: every metric it emits carries `service` = `serviceName`. */
export function createMetrics(namespace: string, serviceName: string): Metrics {
  return new Metrics({ namespace, serviceName });
}
