/**
 * The whole pipeline on loopback, minus the feed: an MQTT broker (embedded aedes, or an external one), kinesalite with
 * the stream, DynamoDB Local with the two tables (created by `services/create-tables.ts` from `core/table-layout.ts`),
 * the real ingest handler behind the stream poller, and the real bridge as its own process. `npm start` drives it
 * with the simulator; the chaos and bench suites can start it and drive it their way.
 *
 * {@link LocalPipeline.stop} goes in the order that loses nothing: the bridge first (SIGTERM: it flushes and
 * acknowledges), then the poller drains the stream, then the services stop. A failed start stops whatever started.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createArchiveHandler } from '../functions/archive';
import { DEFAULT_ARCHIVE_PREFIX } from '../core';
import { localDynamoDbClient, localKinesisClient, localS3Client, LOCAL_REGION } from './aws-clients';
import { startBridgeProcess, type BridgeProcess } from './bridge-process';
import { createLocalIngest, type LocalIngest } from './local-ingest';
import { createTable, createTables } from './services/create-tables';
import { startDynamoDbLocal, type DynamoDbLocal } from './services/dynamodb-local';
import { startEmbeddedBroker, type EmbeddedBroker } from './services/embedded-broker';
import { freePort } from './services/free-port';
import { startKinesisLocal, type KinesisLocal } from './services/kinesis-local';
import { startS3Local, type S3Local } from './services/s3-local';
import { startStreamPoller, type PollerEvent, type StreamPoller, type StreamPollerOptions } from './stream-poller';

/** How to start the pipeline. */
export interface LocalPipelineOptions {
  /** Folder for logs and the on-failure file (created if missing). @default '.local' under the repository */
  readonly stateDir?: string;
  /** An external broker; the embedded one is started otherwise. @default - embedded */
  readonly brokerUrl?: string;
  /** @default - a free port */
  readonly brokerPort?: number;
  /** @default - a free port */
  readonly kinesisPort?: number;
  /** @default - a free port */
  readonly dynamodbPort?: number;
  /** The local S3 (s3rver) holding the raw archive. @default - a free port */
  readonly s3Port?: number;
  /** The bridge's health port. @default - a free port */
  readonly healthPort?: number;
  /** @default 2 */
  readonly shards?: number;
  /** @default 'meter-readings-local' */
  readonly streamName?: string;
  /** @default { readings: 'readings-local', quarantine: 'quarantine-local' } */
  readonly tables?: { readonly readings: string; readonly quarantine: string };
  /** The bridge's MQTT settings. */
  readonly bridge: {
    readonly clientId: string;
    readonly topics: readonly string[];
    readonly username?: string;
    readonly password?: string;
    /** More bridge environment variables (tuning). */
    readonly env?: Readonly<Record<string, string>>;
  };
  /** The poller's settings (batch size, window, retries). @default - the event source mapping's defaults */
  readonly poller?: Partial<
    Pick<StreamPollerOptions, 'batchSize' | 'batchingWindowMillis' | 'maxRetryAttempts' | 'idlePollMillis'>
  >;
  /** Start the bridge too. @default true */
  readonly startBridge?: boolean;
  /** Progress and problems, one line each. @default - nothing */
  readonly log?: (line: string) => void;
}

/** The running pipeline. */
export interface LocalPipeline {
  readonly brokerUrl: string;
  readonly ports: {
    readonly broker?: number;
    readonly kinesis: number;
    readonly dynamodb: number;
    readonly s3: number;
    readonly health: number;
  };
  readonly streamName: string;
  readonly tables: { readonly readings: string; readonly quarantine: string };
  readonly kinesisEndpoint: string;
  readonly dynamodbEndpoint: string;
  readonly kinesisClient: KinesisClient;
  readonly dynamoDbClient: DynamoDBClient;
  readonly ingest: LocalIngest;
  readonly poller: StreamPoller;
  /** The raw archive: the real archiver, the stream's second consumer, writing to s3rver. */
  readonly archive: {
    readonly endpoint: string;
    readonly bucket: string;
    readonly prefix: string;
    readonly client: S3Client;
    readonly poller: StreamPoller;
  };
  readonly logFiles: { readonly bridge: string; readonly ingest: string; readonly onFailure: string };
  /** The bridge process now running, if any. */
  bridge(): BridgeProcess | undefined;
  /** Starts the bridge (again, after a stop or a kill) and waits until it is ready. */
  startBridge(readyTimeoutMillis?: number): Promise<BridgeProcess>;
  /** Stops the bridge (SIGTERM, waits for its exit). */
  stopBridge(timeoutMillis?: number): Promise<void>;
  /**
   * Bridge first, then the poller drains, then the services; nothing is left running (but DynamoDB Local with
   * `keepDynamoDb`: stop it with {@link LocalPipeline.stopDynamoDb}). Idempotent.
   */
  stop(options?: { readonly drainTimeoutMillis?: number; readonly keepDynamoDb?: boolean }): Promise<void>;
  /** Stops DynamoDB Local (after `stop({ keepDynamoDb: true })`). */
  stopDynamoDb(): Promise<void>;
  /** Stops every service at once (after a second Ctrl-C): SIGKILL to the bridge, no drain. */
  kill(): Promise<void>;
}

/** Powertools Metrics that print nothing: stdout is the summary's (`npm start -- --json`). */
class QuietMetrics extends Metrics {
  override publishStoredMetrics(): this {
    this.clearMetrics();
    return this;
  }
}

/** Starts the pipeline; on failure, stops what started and rethrows. */
export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const log = options.log ?? (() => undefined);
  const stateDir = options.stateDir ?? join(__dirname, '..', '.local');
  mkdirSync(stateDir, { recursive: true });
  const logFiles = {
    bridge: join(stateDir, 'bridge.log'),
    ingest: join(stateDir, 'ingest.log'),
    onFailure: join(stateDir, 'on-failure.jsonl'),
  };
  for (const file of Object.values(logFiles)) writeFileSync(file, '');
  const streamName = options.streamName ?? 'meter-readings-local';
  const tables = options.tables ?? { readings: 'readings-local', quarantine: 'quarantine-local' };
  const shards = options.shards ?? 2;
  const cleanups: (() => Promise<unknown>)[] = [];
  let stopDynamoDb: (() => Promise<void>) | undefined;
  const runCleanups = async (keep: readonly (() => Promise<unknown>)[] = []) => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      if (keep.includes(cleanup)) continue;
      await cleanup().catch((err: unknown) => log(`stop: ${(err as Error).message}`));
    }
  };
  try {
    const archiveBucket = 'meter-readings-archive-local';
    const [dynamo, kinesis, broker, s3] = await Promise.all([
      startDynamoDbLocal(options.dynamodbPort ? { port: options.dynamodbPort } : {}).then((d: DynamoDbLocal) => {
        stopDynamoDb = () => d.stop();
        cleanups.push(stopDynamoDb);
        return d;
      }),
      startKinesisLocal({ ...(options.kinesisPort ? { port: options.kinesisPort } : {}) }).then((k: KinesisLocal) => {
        cleanups.push(() => k.stop());
        return k;
      }),
      options.brokerUrl
        ? Promise.resolve(undefined)
        : startEmbeddedBroker(options.brokerPort ? { port: options.brokerPort } : {}).then((b: EmbeddedBroker) => {
            cleanups.push(() => b.stop());
            return b;
          }),
      startS3Local({ buckets: [archiveBucket], ...(options.s3Port ? { port: options.s3Port } : {}) }).then(
        (x: S3Local) => {
          cleanups.push(() => x.stop());
          return x;
        },
      ),
    ]);
    const brokerUrl = options.brokerUrl ?? broker!.url;
    log(`kinesis (kinesalite) on ${kinesis.endpoint}, DynamoDB Local on ${dynamo.endpoint}, broker ${brokerUrl}`);
    const kinesisClient = localKinesisClient(kinesis.endpoint);
    const dynamoDbClient = localDynamoDbClient(dynamo.endpoint);
    cleanups.push(async () => {
      kinesisClient.destroy();
      dynamoDbClient.destroy();
    });
    await Promise.all([createStream(kinesisClient, streamName, shards), createTables(dynamoDbClient, tables)]);
    log(`stream ${streamName} (${shards} shards), tables ${tables.readings} and ${tables.quarantine} created`);
    const ingest = createLocalIngest({ client: dynamoDbClient, tables, logFile: logFiles.ingest });
    cleanups.push(() => ingest.close());
    const onEvent = (e: PollerEvent) => {
      if (e.kind === 'on-failure')
        log(`poller: gave up on ${e.record.batchSize} records of ${e.record.shardId}: ${e.record.error}`);
      else if (e.kind === 'read-error') log(`poller: reading ${e.shardId} failed: ${e.error.message}`);
      else if (e.kind === 'batch-failed' && (e.attempt === 1 || e.attempt % 5 === 0)) {
        log(`poller: batch of ${e.batchSize} on ${e.shardId} failed (attempt ${e.attempt}): ${e.error?.message ?? ''}`);
      }
    };
    const poller = await startStreamPoller({
      client: kinesisClient,
      streamName,
      handler: ingest.handler,
      onFailureFile: logFiles.onFailure,
      onEvent,
      ...options.poller,
    });
    cleanups.push(() => poller.stop({ timeoutMillis: 5000 }));
    const s3Client = localS3Client(s3.endpoint);
    cleanups.push(async () => s3Client.destroy());
    const archiver = createArchiveHandler({
      client: s3Client,
      config: { bucketName: archiveBucket, prefix: DEFAULT_ARCHIVE_PREFIX },
      logger: new Logger({ serviceName: 'archive', logLevel: 'SILENT' }),
      metrics: new QuietMetrics({ namespace: 'local', serviceName: 'archive' }),
    });
    const archivePoller = await startStreamPoller({
      client: kinesisClient,
      streamName,
      handler: async (event) => void (await archiver(event)),
      onEvent,
      ...options.poller,
    });
    cleanups.push(() => archivePoller.stop({ timeoutMillis: 5000 }));
    log(`raw archive: s3rver on ${s3.endpoint}, bucket ${archiveBucket}`);
    const healthPort = options.healthPort ?? (await freePort());
    let bridge: BridgeProcess | undefined;
    const stopBridge = async (timeoutMillis = 30_000) => {
      const b = bridge;
      if (b) await b.stop(timeoutMillis);
    };
    cleanups.push(() => stopBridge());
    const startBridge = async (readyTimeoutMillis = 60_000) => {
      await stopBridge();
      bridge = startBridgeProcess({
        mqttUrl: brokerUrl,
        clientId: options.bridge.clientId,
        topics: options.bridge.topics,
        ...(options.bridge.username !== undefined ? { username: options.bridge.username } : {}),
        ...(options.bridge.password !== undefined ? { password: options.bridge.password } : {}),
        streamName,
        healthPort,
        kinesisEndpoint: kinesis.endpoint,
        region: LOCAL_REGION,
        logFile: logFiles.bridge,
        env: { METRICS_INTERVAL_MILLIS: '60000', ...options.bridge.env },
      });
      await bridge.waitReady(readyTimeoutMillis);
      log(`bridge ready (pid ${bridge.process.pid}, health on http://127.0.0.1:${healthPort}/status)`);
      return bridge;
    };
    // DynamoDB Local's first requests are slow (a cold JVM): warm it up while the bridge starts.
    await Promise.all([
      warmUp(dynamoDbClient).catch((err: unknown) =>
        log(`warm-up of DynamoDB Local failed: ${(err as Error).message}`),
      ),
      options.startBridge !== false ? startBridge() : Promise.resolve(),
    ]);
    let stopping: Promise<void> | undefined;
    return {
      brokerUrl,
      ports: {
        ...(broker ? { broker: broker.port } : {}),
        kinesis: kinesis.port,
        dynamodb: dynamo.port,
        s3: s3.port,
        health: healthPort,
      },
      streamName,
      tables,
      kinesisEndpoint: kinesis.endpoint,
      dynamodbEndpoint: dynamo.endpoint,
      kinesisClient,
      dynamoDbClient,
      ingest,
      poller,
      archive: {
        endpoint: s3.endpoint,
        bucket: archiveBucket,
        prefix: DEFAULT_ARCHIVE_PREFIX,
        client: s3Client,
        poller: archivePoller,
      },
      logFiles,
      bridge: () => bridge,
      startBridge,
      stopBridge,
      stop: (stopOptions = {}) =>
        (stopping ??= (async () => {
          await stopBridge();
          await Promise.all([
            poller.stop({ drain: true, timeoutMillis: stopOptions.drainTimeoutMillis ?? 30_000 }),
            archivePoller.stop({ drain: true, timeoutMillis: stopOptions.drainTimeoutMillis ?? 30_000 }),
          ]);
          await runCleanups(stopOptions.keepDynamoDb && stopDynamoDb ? [stopDynamoDb] : []);
        })()),
      stopDynamoDb: async () => {
        await stopDynamoDb?.();
      },
      kill: async () => {
        bridge?.process.kill('SIGKILL');
        await Promise.all([poller.stop({ timeoutMillis: 1000 }), archivePoller.stop({ timeoutMillis: 1000 })]);
        await runCleanups();
        await stopDynamoDb?.();
      },
    };
  } catch (err) {
    await runCleanups();
    throw err;
  }
}

/** Creates a stream and waits until it is ACTIVE. */
export async function createStream(client: KinesisClient, streamName: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  for (let i = 0; i < 600; i++) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`stream ${streamName} did not become ACTIVE`);
}

/** Conditional writes to a scratch table, so that the JVM behind DynamoDB Local has compiled its hot paths. */
async function warmUp(client: DynamoDBClient, writes = 300, deadlineMillis = 5000): Promise<void> {
  const tableName = 'warm-up-local';
  const deadline = Date.now() + deadlineMillis;
  await createTable(client, tableName, {
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalSecondaryIndexes: [],
  });
  let next = 0;
  const worker = async () => {
    while (next < writes && Date.now() < deadline) {
      const i = next++;
      await client
        .send(
          new PutItemCommand({
            TableName: tableName,
            Item: { pk: { S: `p${i % 20}` }, sk: { S: String(i % 50) }, value: { N: `${i}.5` } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        )
        .catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
