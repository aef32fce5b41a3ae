/**
 * Emitting one batch's metrics (names in `metric-names.ts`). Counts are emitted on every invocation, zeros included,
 * so an alarm sees "nothing happened" rather than missing data. `Rejected` carries a `Reason` dimension, a different
 * dimension set from the others, so each reason goes out as its own single metric.
 *
 * Counting follows the items written: `Rejected`, `Conflicts` and `Quarantined` count quarantine items created (a
 * retried record that finds its item does not count twice); `DuplicatesSkipped` counts every duplicate delivery, and `DuplicatesWithOtherFacts` those of them that differ
 * from the stored reading in a fact outside the reading.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { isUndocumentedV1 } from '../../core';
import { IngestMetric, REASON_DIMENSION } from './metric-names';
import type { RecordOutcome } from './process-record';

/** Adds the metrics of one batch to `metrics` and publishes them. */
export function publishBatchMetrics(
  metrics: Metrics,
  outcomes: ReadonlyArray<RecordOutcome | undefined>,
  failures: number,
): void {
  let stored = 0;
  let v1OtherRegister = 0;
  let duplicates = 0;
  let duplicatesWithOtherFacts = 0;
  let conflicts = 0;
  let quarantined = 0;
  const rejected = new Map<string, number>();
  for (const outcome of outcomes) {
    switch (outcome?.kind) {
      case 'stored':
        stored++;
        if (isUndocumentedV1(outcome.reading)) v1OtherRegister++;
        metrics.addMetric(
          IngestMetric.PipelineLatency,
          MetricUnit.Milliseconds,
          Math.max(0, outcome.ingestedAt.getTime() - Date.parse(outcome.receivedAt)),
        );
        metrics.addMetric(
          IngestMetric.ReadingAge,
          MetricUnit.Milliseconds,
          Math.max(0, outcome.ingestedAt.getTime() - Date.parse(outcome.reading.readingTime)),
        );
        break;
      case 'duplicate':
        duplicates++;
        if (outcome.otherFacts.length > 0) duplicatesWithOtherFacts++;
        break;
      case 'conflict':
        if (outcome.quarantine.kind === 'created') {
          conflicts++;
          quarantined++;
        }
        break;
      case 'rejected':
        if (outcome.quarantine.kind === 'created') {
          rejected.set(outcome.reason, (rejected.get(outcome.reason) ?? 0) + 1);
          quarantined++;
        }
        break;
      case undefined:
        break;
    }
  }
  metrics.addMetric(IngestMetric.ReadingsStored, MetricUnit.Count, stored);
  metrics.addMetric(IngestMetric.V1OtherRegisterStored, MetricUnit.Count, v1OtherRegister);
  metrics.addMetric(IngestMetric.DuplicatesSkipped, MetricUnit.Count, duplicates);
  metrics.addMetric(IngestMetric.DuplicatesWithOtherFacts, MetricUnit.Count, duplicatesWithOtherFacts);
  metrics.addMetric(IngestMetric.Conflicts, MetricUnit.Count, conflicts);
  metrics.addMetric(IngestMetric.Quarantined, MetricUnit.Count, quarantined);
  metrics.addMetric(IngestMetric.IngestFailures, MetricUnit.Count, failures);
  for (const [reason, count] of rejected) {
    const single = metrics.singleMetric();
    single.addDimension(REASON_DIMENSION, reason);
    single.addMetric(IngestMetric.Rejected, MetricUnit.Count, count);
  }
  metrics.publishStoredMetrics();
}
