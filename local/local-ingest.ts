/**
 * The real ingest handler (`functions/ingest`), built for the local runner: its DynamoDB client points at DynamoDB
 * Local, its logs go to a file (never the terminal, whose stdout carries the status and the JSON summary), and its
 * metrics are counted in memory instead of being printed as CloudWatch EMF lines. The counts are the ingest's own
 * outcomes: readings stored, duplicates skipped, conflicts, quarantined by reason, failures.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { Console } from 'node:console';
import { Writable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  createHandler,
  IngestMetric,
  INGEST_METRICS_NAMESPACE,
  INGEST_SERVICE_NAME,
  REASON_DIMENSION,
  type IngestHandler,
} from '../functions/ingest';
import { DEFAULT_QUARANTINE_RETENTION_DAYS } from '../core';

/** The ingest's outcomes, from its metrics. */
export interface IngestOutcomes {
  stored: number;
  duplicates: number;
  conflicts: number;
  quarantined: number;
  failures: number;
  rejectedByReason: Record<string, number>;
}

type Sink = (name: string, value: number, dimensions: Readonly<Record<string, string>>) => void;

/** Powertools Metrics that count instead of printing. */
class CountingMetrics extends Metrics {
  private dims?: Record<string, string>;
  private sink?: Sink;

  static create(sink: Sink): CountingMetrics {
    const m = new CountingMetrics({ namespace: INGEST_METRICS_NAMESPACE, serviceName: INGEST_SERVICE_NAME });
    m.sink = sink;
    return m;
  }

  override addDimension(name: string, value: string): this {
    (this.dims ??= {})[name] = value;
    return this;
  }

  override addMetric(name: string, _unit: Parameters<Metrics['addMetric']>[1], value: number): this {
    this.sink?.(name, value, { ...this.dims });
    return this;
  }

  override singleMetric(): Metrics {
    return CountingMetrics.create(this.sink ?? (() => undefined));
  }

  override publishStoredMetrics(): this {
    this.dims = undefined;
    return this;
  }
}

/** A local ingest handler and its outcome counts. */
export interface LocalIngest {
  readonly handler: IngestHandler;
  outcomes(): IngestOutcomes;
  /** Closes the log file. */
  close(): Promise<void>;
}

/** Options of {@link createLocalIngest}. */
export interface LocalIngestOptions {
  readonly client: DynamoDBClient;
  readonly tables: { readonly readings: string; readonly quarantine: string };
  /** Where the handler's JSON log lines go. @default - nowhere */
  readonly logFile?: string;
  /** @default 90 */
  readonly quarantineRetentionDays?: number;
}

/** Builds the real handler with local logging and counted metrics. */
export function createLocalIngest(options: LocalIngestOptions): LocalIngest {
  const outcomes: IngestOutcomes = {
    stored: 0,
    duplicates: 0,
    conflicts: 0,
    quarantined: 0,
    failures: 0,
    rejectedByReason: {},
  };
  const sink: Sink = (name, value, dims) => {
    switch (name) {
      case IngestMetric.ReadingsStored:
        outcomes.stored += value;
        break;
      case IngestMetric.DuplicatesSkipped:
        outcomes.duplicates += value;
        break;
      case IngestMetric.Conflicts:
        outcomes.conflicts += value;
        break;
      case IngestMetric.Quarantined:
        outcomes.quarantined += value;
        break;
      case IngestMetric.IngestFailures:
        outcomes.failures += value;
        break;
      case IngestMetric.Rejected: {
        const reason = dims[REASON_DIMENSION] ?? '?';
        outcomes.rejectedByReason[reason] = (outcomes.rejectedByReason[reason] ?? 0) + value;
        break;
      }
      default:
        break;
    }
  };
  let stream: WriteStream | undefined;
  const logger = new Logger({ serviceName: INGEST_SERVICE_NAME });
  // Powertools writes to its own Console on stdout; the local runner's stdout is the status and the summary.
  stream = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const sinkStream = stream ?? new Writable({ write: (_chunk, _encoding, done) => done() });
  Object.assign(logger, { console: new Console({ stdout: sinkStream, stderr: sinkStream }) });
  const handler = createHandler({
    client: options.client,
    config: {
      readingsTableName: options.tables.readings,
      quarantineTableName: options.tables.quarantine,
      quarantineRetentionDays: options.quarantineRetentionDays ?? DEFAULT_QUARANTINE_RETENTION_DAYS,
    },
    logger,
    metrics: CountingMetrics.create(sink),
  });
  return {
    handler,
    outcomes: () => ({ ...outcomes, rejectedByReason: { ...outcomes.rejectedByReason } }),
    close: () =>
      new Promise<void>((resolve) => {
        if (!stream) return resolve();
        stream.end(() => resolve());
        stream = undefined;
      }),
  };
}
