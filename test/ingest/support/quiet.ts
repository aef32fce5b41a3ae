/** A silent logger and metrics that print nothing, for tests that do not look at them. */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { INGEST_METRICS_NAMESPACE, INGEST_SERVICE_NAME } from '../../../functions/ingest/metric-names';

/** A logger that writes nothing. */
export function silentLogger(): Logger {
  return new Logger({ serviceName: INGEST_SERVICE_NAME, logLevel: 'SILENT' });
}

/**
 * Metrics that publish nothing. Powertools reads `POWERTOOLS_METRICS_DISABLED` whenever it builds a metrics object,
 * single metrics included, so it stays set for the rest of this test file (jest gives each file its own environment).
 */
export function silentMetrics(): Metrics {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  return new Metrics({ namespace: INGEST_METRICS_NAMESPACE, serviceName: INGEST_SERVICE_NAME });
}
