/**
 * The ingest handler: a Kinesis batch in, `batchItemFailures` out (the event source mapping uses
 * `ReportBatchItemFailures`). Every record is decoded first (pure), then processed by series, concurrently but
 * bounded, each series in stream order (see `series-ordered-runner.ts` for what happens on failure).
 *
 * The handler keeps its deadline: it starts a record only while the invocation has time left for the worst case of
 * one record (`RECORD_START_BUDGET_MILLIS`, derived in `functions/shared/time-budget.ts`), and reports every record
 * it did not start or finish in `batchItemFailures`. A Lambda timeout would report nothing: the whole batch would be
 * retried and bisected.
 *
 * Powertools' batch processor is not used: it processes records either all in sequence or all at once, and this
 * function needs the middle (concurrent across series, ordered within one) and its stop-on-first-failure rule.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context, KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { createLogger, type Logger } from '../shared/logger';
import { RECORD_START_BUDGET_MILLIS } from '../shared/time-budget';
import { createMetrics, type Metrics } from '../shared/metrics';
import type { IngestConfig } from './config';
import { decodeIncoming, type DecodedRecord } from './decode-record';
import { publishBatchMetrics } from './ingest-metrics';
import { fromKinesisRecord } from './kinesis-record';
import { INGEST_METRICS_NAMESPACE, INGEST_SERVICE_NAME } from './metric-names';
import { processRecord, type RecordContext } from './process-record';
import { SeriesRegistry } from './series-registry';
import { runSeriesOrdered } from './series-ordered-runner';

/** The ingest handler's signature. */
export type IngestHandler = (event: KinesisStreamEvent, context?: Context) => Promise<KinesisStreamBatchResponse>;

/** Tunables of the handler. */
export interface IngestOptions {
  /** Most series written at the same time within one batch. @default 16 */
  readonly concurrency: number;
  /**
   * No record starts when less than this remains of the invocation (`context.getRemainingTimeInMillis()`).
   * @default RECORD_START_BUDGET_MILLIS - the worst case of one record plus the response reserve (104 s)
   */
  readonly recordStartBudgetMillis: number;
}

/** The defaults of {@link IngestOptions}. */
export const INGEST_DEFAULTS = {
  concurrency: 16,
  recordStartBudgetMillis: RECORD_START_BUDGET_MILLIS,
} satisfies IngestOptions;

/** What {@link createHandler} needs; everything but the client and the configuration has a default. */
export interface IngestDependencies extends Partial<IngestOptions> {
  /** The DynamoDB client, created once per container. */
  readonly client: DynamoDBClient;
  readonly config: IngestConfig;
  /** The ingest time of each record. @default - the system clock */
  readonly clock?: () => Date;
  /** @default - a Powertools logger for service `ingest` */
  readonly logger?: Logger;
  /** @default - Powertools metrics in namespace `MeterReadings`, service `ingest` */
  readonly metrics?: Metrics;
}

/** Builds a handler around its dependencies. The series registry's memory lives as long as the handler. */
export function createHandler(deps: IngestDependencies): IngestHandler {
  const concurrency = deps.concurrency ?? INGEST_DEFAULTS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const budget = deps.recordStartBudgetMillis ?? INGEST_DEFAULTS.recordStartBudgetMillis;
  if (!(budget >= 0)) throw new RangeError(`recordStartBudgetMillis must be >= 0, got ${budget}`);
  const logger = deps.logger ?? createLogger(INGEST_SERVICE_NAME);
  const metrics = deps.metrics ?? createMetrics(INGEST_METRICS_NAMESPACE, INGEST_SERVICE_NAME);
  const clock = deps.clock ?? (() => new Date());
  const ctx: RecordContext = {
    client: deps.client,
    config: deps.config,
    registry: new SeriesRegistry(deps.client, deps.config.readingsTableName),
    clock,
    logger,
  };

  return async (event, context) => {
    if (context) logger.addContext(context);
    const records = (event.Records ?? []).map(fromKinesisRecord);
    const arrival = clock().toISOString();
    const decoded = records.map((r) => decodeIncoming(r, arrival));
    // Without a context (tests, the local poller) there is no deadline.
    const mayStart = () => context === undefined || context.getRemainingTimeInMillis() >= budget;
    const run = await runSeriesOrdered(decoded, groupKey, concurrency, (d) => processRecord(ctx, d), mayStart);
    if (run.outOfTime) {
      logger.warn('deadline: records not started for lack of time, reported for retry', {
        remainingMillis: context?.getRemainingTimeInMillis(),
        recordStartBudgetMillis: budget,
        unwrittenRecords: run.incomplete.length,
      });
    }
    for (const { index, error } of run.errors) {
      const record = records[index];
      logger.error('record not written, reported for retry', {
        shardId: record?.shardId,
        sequenceNumber: record?.sequenceNumber,
        unwrittenRecords: run.incomplete.length,
        error: error as Error,
      });
    }
    publishBatchMetrics(metrics, run.results, run.incomplete.length);
    return {
      batchItemFailures: run.incomplete.map((i) => ({ itemIdentifier: records[i]?.sequenceNumber ?? '' })),
    };
  };
}

// A reading's series keeps its order; a rejected record depends on nothing and is a group of its own.
function groupKey(d: DecodedRecord): string {
  return d.kind === 'reading'
    ? `reading:${d.reading.seriesKey}`
    : `rejected:${d.record.shardId}/${d.record.sequenceNumber}/${d.record.index}`;
}
