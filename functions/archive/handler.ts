/**
 * The archiver: a second consumer of the stream that writes every record, byte-exact, with its shard, sequence number,
 * partition key and arrival time, into S3 as gzip-compressed NDJSON (the layout is `core/raw-archive.ts`).
 *
 * One batch becomes one object per shard and hour of arrival (usually one), whose key is named by its first record,
 * so a retried batch overwrites what it wrote before: an archiver killed mid-batch loses nothing, and the worst a
 * retry can do is write a record into two objects (a retry that starts at another record), which a reader counts as
 * a duplicate. Any failure to write throws: the event source mapping retries the whole batch (there is no bad input
 * here, every byte string is archived as it is, so a failure is always the infrastructure's).
 */
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { encodeArchiveLine, planArchiveObjects, type ArchivedRecord, type ArchiveObjectPlan } from '../../core';
import { fromKinesisRecord } from '../ingest/kinesis-record';
import { createLogger, type Logger } from '../shared/logger';
import { createMetrics, MetricUnit, type Metrics } from '../shared/metrics';
import type { ArchiveConfig } from './config';
import { ArchiveError } from './errors';
import { ARCHIVE_METRICS_NAMESPACE, ARCHIVE_SERVICE_NAME, ArchiveMetric } from './metric-names';

/** The archiver's signature. */
export type ArchiveHandler = (event: KinesisStreamEvent, context?: Context) => Promise<ArchiveBatchResult>;

/** What one invocation wrote. */
export interface ArchiveBatchResult {
  readonly records: number;
  readonly objects: readonly { readonly key: string; readonly records: number; readonly bytes: number }[];
}

/** What {@link createArchiveHandler} needs; everything but the client and the configuration has a default. */
export interface ArchiveDependencies {
  /** The S3 client, created once per container. */
  readonly client: S3Client;
  readonly config: ArchiveConfig;
  /** Used when a record carries no arrival time (Lambda always sets one). @default - the system clock */
  readonly clock?: () => Date;
  /** @default - a Powertools logger for service `archive` */
  readonly logger?: Logger;
  /** @default - Powertools metrics in namespace `MeterReadings`, service `archive` */
  readonly metrics?: Metrics;
}

/** The body of one archive object: its records' lines, gzip-compressed. */
export function archiveObjectBody(records: readonly ArchivedRecord[]): Buffer {
  return gzipSync(Buffer.from(records.map(encodeArchiveLine).join(''), 'utf8'));
}

/** Builds an archiver around its dependencies. */
export function createArchiveHandler(deps: ArchiveDependencies): ArchiveHandler {
  const logger = deps.logger ?? createLogger(ARCHIVE_SERVICE_NAME);
  const metrics = deps.metrics ?? createMetrics(ARCHIVE_METRICS_NAMESPACE, ARCHIVE_SERVICE_NAME);
  const clock = deps.clock ?? (() => new Date());
  const { bucketName, prefix } = deps.config;

  const write = async (plan: ArchiveObjectPlan) => {
    const body = archiveObjectBody(plan.records);
    const first = plan.records[0]!;
    const last = plan.records[plan.records.length - 1]!;
    try {
      await deps.client.send(
        new PutObjectCommand({
          Bucket: bucketName,
          Key: plan.key,
          Body: body,
          ContentType: 'application/x-ndjson',
          Metadata: {
            'record-count': String(plan.records.length),
            'first-sequence-number': first.sequenceNumber,
            'last-sequence-number': last.sequenceNumber,
          },
        }),
      );
    } catch (err) {
      throw new ArchiveError(`writing s3://${bucketName}/${plan.key} failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { key: plan.key, records: plan.records.length, bytes: body.byteLength };
  };

  return async (event, context) => {
    if (context) logger.addContext(context);
    const fallback = clock().toISOString();
    const records: ArchivedRecord[] = (event.Records ?? []).map((r, i) => {
      const incoming = fromKinesisRecord(r, i);
      return {
        shardId: incoming.shardId,
        sequenceNumber: incoming.sequenceNumber,
        partitionKey: incoming.partitionKey,
        arrivedAt: incoming.arrivedAt ?? fallback,
        data: incoming.data,
      };
    });
    const plans = planArchiveObjects(prefix, records);
    let objects: ArchiveBatchResult['objects'];
    try {
      objects = await Promise.all(plans.map(write));
    } catch (err) {
      logger.error('archive batch not written, the batch will be retried', {
        records: records.length,
        objects: plans.map((p) => p.key),
        error: err as Error,
      });
      throw err;
    }
    metrics.addMetric(ArchiveMetric.RecordsArchived, MetricUnit.Count, records.length);
    metrics.addMetric(ArchiveMetric.ArchiveObjectsWritten, MetricUnit.Count, objects.length);
    metrics.addMetric(
      ArchiveMetric.ArchiveBytesWritten,
      MetricUnit.Bytes,
      objects.reduce((n, o) => n + o.bytes, 0),
    );
    metrics.publishStoredMetrics();
    return { records: records.length, objects };
  };
}
