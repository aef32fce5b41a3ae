/**
 * The world of the replay tests, built once: S3 (s3rver, the archive and failed-records buckets), kinesalite (the
 * stream) and DynamoDB Local (the tables), the real archiver and ingest handlers, and the replay CLI wired to them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamRecord } from 'aws-lambda';
import { decodeStreamRecord, type StreamRecord } from '../../../../core';
import { createArchiveHandler } from '../../../../functions/archive';
import { createHandler } from '../../../../functions/ingest';
import { localS3Client } from '../../../../local/aws-clients';
import { startS3Local, type S3Local } from '../../../../local/services/s3-local';
import { main } from '../../../../tools/replay/cli';
import { startTestKinesis, type TestKinesis } from '../../../bridge/harness';
import { kinesisEventRecord } from '../../../ingest/support/stream-events';
import { freshTables, startLocalDynamo, type LocalDynamo } from '../../../ingest/support/local-dynamodb';
import { silentLogger, silentMetrics } from '../../../ingest/support/quiet';

export const ARCHIVE_BUCKET = 'replay-archive';
export const FAILED_BUCKET = 'replay-failed';

/** A record as it is in the stream. */
export interface InStream {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  readonly record: StreamRecord;
}

export interface ReplayWorld {
  readonly s3: S3Client;
  readonly kinesis: TestKinesis;
  readonly dynamo: LocalDynamo;
  readonly tables: Awaited<ReturnType<typeof freshTables>>;
  readonly stateDir: string;
  /** Archives records with the real archiver. */
  archive(records: readonly KinesisStreamRecord[]): Promise<void>;
  /** Runs the real ingest handler on records; `coldStart` uses a new handler (a new Lambda container, empty caches). */
  ingest(records: readonly KinesisStreamRecord[], options?: { readonly coldStart?: boolean }): Promise<void>;
  /** Every record in the stream now, in shard order. */
  stream(): Promise<InStream[]>;
  /** The stream's records after the first `skip`, as the mapping would hand them to the ingest. */
  asEvents(records: readonly InStream[]): KinesisStreamRecord[];
  putObject(bucket: string, key: string, body: string): Promise<void>;
  /** Runs `npm run replay -- <args>`; resolves with its exit code and output. */
  replay(args: readonly string[], signal?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/** Starts the world; `stop` it in afterAll. */
export async function startReplayWorld(): Promise<ReplayWorld> {
  const s3Local: S3Local = await startS3Local({ buckets: [ARCHIVE_BUCKET, FAILED_BUCKET] });
  const s3 = localS3Client(s3Local.endpoint);
  const kinesis = await startTestKinesis(2);
  const dynamo = await startLocalDynamo();
  const tables = await freshTables(dynamo.client);
  const stateDir = mkdtempSync(join(tmpdir(), 'replay-state-'));
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const archiver = createArchiveHandler({
    client: s3,
    config: { bucketName: ARCHIVE_BUCKET, prefix: 'raw/' },
    logger: new Logger({ serviceName: 'archive', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'test', serviceName: 'archive' }),
  });
  const newHandler = () =>
    createHandler({ client: dynamo.client, config: tables, logger: silentLogger(), metrics: silentMetrics() });
  const warm = newHandler();

  const stream = async (): Promise<InStream[]> => {
    const out: InStream[] = [];
    const shards = await kinesis.client.send(new ListShardsCommand({ StreamName: kinesis.streamName }));
    for (const shard of shards.Shards ?? []) {
      let iterator = (
        await kinesis.client.send(
          new GetShardIteratorCommand({
            StreamName: kinesis.streamName,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      while (iterator) {
        const page = await kinesis.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        for (const r of page.Records ?? []) {
          const decoded = decodeStreamRecord(r.Data!);
          if (!decoded.ok) throw new Error(`not an envelope in the stream: ${decoded.message}`);
          out.push({
            shardId: shard.ShardId!,
            sequenceNumber: r.SequenceNumber!,
            partitionKey: r.PartitionKey!,
            data: r.Data!,
            record: decoded.value,
          });
        }
        if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return out;
  };

  return {
    s3,
    kinesis,
    dynamo,
    tables,
    stateDir,
    archive: async (records) => void (await archiver({ Records: [...records] })),
    ingest: async (records, options = {}) => {
      const result = await (options.coldStart ? newHandler() : warm)({ Records: [...records] });
      if (result.batchItemFailures.length > 0)
        throw new Error(`ingest failed ${result.batchItemFailures.length} records`);
    },
    stream,
    asEvents: (records) => records.map((r) => kinesisEventRecord({ ...r, arrivalSeconds: Date.now() / 1000 })),
    putObject: async (bucket, key, body) =>
      void (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))),
    replay: async (args, signal) => {
      let stdout = '';
      let stderr = '';
      const code = await main([...args, '--state-dir', stateDir], {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        env: {},
        clients: { s3, kinesis: kinesis.client, dynamodb: dynamo.client },
        ...(signal ? { signal } : {}),
      });
      return { code, stdout, stderr };
    },
    stop: async () => {
      s3.destroy();
      await s3Local.stop();
      await kinesis.stop();
      await dynamo.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
