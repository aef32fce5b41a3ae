/**
 * One scenario's world, all on loopback and all stopped by `stopEverything()`:
 * - Mosquitto (test/support/mosquitto.ts) with persistence, a password file and an ACL granting the bridge one
 *   customer's topics; the bridge reaches it through a tapped TCP proxy that counts PUBLISH and PUBACK packets;
 * - kinesalite behind a TCP proxy (the bridge's Kinesis endpoint), so an outage keeps the stream's data;
 * - DynamoDB Local behind an HTTP fault proxy (the handler's endpoint), with the tables created by the local runner's
 *   `createTables` from the shared layout;
 * - the real bridge process, the local runner's stream poller and the real ingest handler.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateStreamCommand, DescribeStreamSummaryCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient, localKinesisClient } from '../../../local/aws-clients';

/** The direct client audits and scans whole tables (no fault proxy); its pages of 100,000 items need more than 5 s. */
const AUDIT_REQUEST_TIMEOUT_MILLIS = 30_000;
import { createTables } from '../../../local/services/create-tables';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/services/dynamodb-local';
import type { KinesisLocal } from '../../../local/services/kinesis-local';
import { startKinesisLocalProcess } from '../../../local/services/kinesis-local-process';
import { createHandler } from '../../../functions/ingest';
import { Logger } from '../../../functions/shared/logger';
import { Metrics } from '../../../functions/shared/metrics';
import { APP_CONFIG_DEFAULTS } from '../../../lib/app-config';
import { startStreamPoller, type StreamPoller, type StreamPollerOptions } from '../../../local/stream-poller';
import { startSimulator, type Simulator, type PublisherOptions } from '../../../local/simulator/publisher';
import type { FeedOptions } from '../../../local/simulator/feed';
import { feedFilter } from '../../../local/simulator/feed';
import { startMosquitto, type Mosquitto, type MosquittoOptions } from '../../support/mosquitto';
import { startBridge, type BridgeProcess } from './bridge-process';
import { track, trackChild } from './children';
import { startHttpFaultProxy, type HttpFaultProxy } from './http-fault-proxy';
import { createMqttTap, type MqttTap } from './mqtt-tap';
import { LOGS_DIR, logFiles } from './results';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/** The customer whose topics the bridge is granted. */
export const CUSTOMER = 'chaos';

/** Table and stream names. */
export const TABLES = { readings: 'chaos-readings', quarantine: 'chaos-quarantine' } as const;
export const STREAM_NAME = 'chaos-stream';

/**
 * The poller runs with the event source mapping's settings that the CDK app deploys by default (batch size,
 * batching window, retry attempts), so a fault is retried here as it would be in AWS.
 */
export const POLLER_SETTINGS = {
  batchSize: APP_CONFIG_DEFAULTS.ingestBatchSize,
  batchingWindowMillis: APP_CONFIG_DEFAULTS.ingestMaxBatchingWindowSeconds * 1000,
  // -1 is the mapping's "until the record's maximum age"; the poller has no record age, so it never gives up.
  maxRetryAttempts: APP_CONFIG_DEFAULTS.ingestRetryAttempts < 0 ? Infinity : APP_CONFIG_DEFAULTS.ingestRetryAttempts,
} satisfies Partial<StreamPollerOptions>;

// The handler's own logger and metrics, silenced: a run writes hundreds of thousands of records.
const quietLogger = new Logger({ serviceName: 'ingest', logLevel: 'SILENT' });
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const quietMetrics = new Metrics({ namespace: 'MeterReadings', serviceName: 'ingest' });

/** Options for {@link startWorld}. */
export interface WorldOptions {
  /** Scenario id: names logs. */
  readonly id: string;
  /** Shards of the stream (an on-demand stream starts with 4). @default 4 */
  readonly shards?: number;
  /** Extra mosquitto options (TLS, limits). */
  readonly mosquitto?: Partial<MosquittoOptions>;
  /** Topics the bridge user may use. @default [`meters/outbound/${CUSTOMER}/#`] */
  readonly bridgeAcl?: readonly string[];
  /** Start DynamoDB Local and the tables. @default true */
  readonly dynamodb?: boolean;
}

/** A running world. */
export interface World {
  readonly id: string;
  /** The current mosquitto (replaced by a restart). */
  mosquitto: Mosquitto;
  readonly brokerProxy: TcpProxy;
  readonly tap: MqttTap;
  readonly kinesis: KinesisLocal;
  readonly kinesisProxy: TcpProxy;
  /** Kinesis straight to kinesalite (for the poller and checks). */
  readonly kinesisClient: KinesisClient;
  readonly ddb?: DynamoDbLocal;
  readonly ddbProxy?: HttpFaultProxy;
  /** DynamoDB through the fault proxy (for the handler). */
  readonly ddbClient?: DynamoDBClient;
  /** DynamoDB straight to DynamoDB Local (for the audit). */
  readonly ddbDirect?: DynamoDBClient;
  readonly bridgeUser: { readonly username: string; readonly password: string };
  readonly feedUser: { readonly username: string; readonly password: string };
  /** Every password used in this world, for the log check. */
  readonly secrets: readonly string[];
  /** The bridge's environment, with overrides. */
  bridgeEnv(overrides?: Record<string, string>): Record<string, string>;
  /** Starts a bridge process named `<id>-<n>`. */
  startBridge(overrides?: Record<string, string>): Promise<BridgeProcess>;
  /** Starts the feed simulator against mosquitto (directly, not through the proxy). */
  publish(options: {
    readonly count: number;
    readonly ratePerSecond?: number;
    readonly feed?: Partial<FeedOptions>;
  }): Promise<Simulator>;
  /** Stops mosquitto, keeps it down for `downMillis`, starts it on the same port and persistence directory. */
  restartBroker(downMillis?: number): Promise<void>;
  /** Starts the local runner's stream poller calling the real ingest handler (DynamoDB through the fault proxy). */
  startPoller(options?: Partial<StreamPollerOptions>): Promise<StreamPoller>;
  /** Poller events worth a look after a failure (read errors, failed batches), newest last, at most 200. */
  readonly pollerEvents: string[];
}

/** DynamoDB Local with the two tables, alone (for the handler-only scenario). */
export async function startTables(id: string): Promise<{
  readonly client: DynamoDBClient;
  readonly direct: DynamoDBClient;
  readonly proxy: HttpFaultProxy;
}> {
  const ddb = track(`${id} dynamodb local`, await startDynamoDbLocal());
  const proxy = track(`${id} dynamodb proxy`, await startHttpFaultProxy(ddb.port));
  const client = localDynamoDbClient(proxy.endpoint);
  const direct = localDynamoDbClient(ddb.endpoint, undefined, AUDIT_REQUEST_TIMEOUT_MILLIS);
  track('dynamodb clients', {
    stop: () => {
      client.destroy();
      direct.destroy();
    },
  });
  await createTables(direct, TABLES);
  return { client, direct, proxy };
}

/** A password that is unique and easy to grep for. */
export function newPassword(): string {
  return `chaos-pw-${randomBytes(12).toString('hex')}`;
}

/**
 * A new persistence directory for a mosquitto of the scenario `name`, under the system's temporary folder. mosquitto
 * drops from root to its own user, which must read the password file and write its database there.
 */
export function brokerDataDir(name: string): string {
  mkdirSync(join(tmpdir(), 'chaos'), { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'chaos', `${name}-`));
  chmodSync(dir, 0o777);
  return dir;
}

/** Starts every server of a scenario. */
export async function startWorld(options: WorldOptions): Promise<World> {
  const bridgeUser = { username: 'bridge', password: newPassword() };
  const feedUser = { username: 'feed', password: newPassword() };
  const users = [
    { ...bridgeUser, topics: options.bridgeAcl ?? [`meters/outbound/${CUSTOMER}/#`] },
    { ...feedUser, topics: ['#'] },
  ];
  const dataDir = brokerDataDir(options.id);
  const mosquittoOptions: MosquittoOptions = {
    users,
    dataDir,
    // A broker in-flight limit above the bridge's pending bound (10,000 by default), so the bridge's own bound is what
    // must hold its memory; but under 65,535, or mosquitto reuses packet ids still in flight (seen with no limit).
    maxInflightMessages: 20_000,
    maxQueuedMessages: 1_000_000,
    ...options.mosquitto,
  };
  for (const f of logFiles(`${options.id}-`)) rmSync(join(LOGS_DIR, f), { force: true });
  const holder = { mosquitto: await startMosquitto(mosquittoOptions) };
  track('mosquitto', {
    stop: async () => {
      mkdirSync(LOGS_DIR, { recursive: true });
      writeFileSync(join(LOGS_DIR, `${options.id}-mosquitto.log`), holder.mosquitto.log());
      await holder.mosquitto.destroy();
    },
  });
  const tap = createMqttTap();
  const brokerProxy = track('broker proxy', await startTcpProxy({ targetPort: holder.mosquitto.port, tap: tap.tap }));

  mkdirSync(LOGS_DIR, { recursive: true });
  // kinesalite in a process of its own, so that Kinesis's work runs on the other core, not in this process, which also
  // runs the poller, the handler and the simulator (the bottleneck of a 100,000-message scenario otherwise).
  const kinesis = track(
    'kinesalite',
    await startKinesisLocalProcess({ logFile: join(LOGS_DIR, `${options.id}-kinesalite.log`) }),
  );
  trackChild(kinesis.service.process);
  const kinesisProxy = track('kinesis proxy', await startTcpProxy({ targetPort: kinesis.port }));
  const kinesisClient = localKinesisClient(kinesis.endpoint);
  track('kinesis client', { stop: () => kinesisClient.destroy() });
  await kinesisClient.send(new CreateStreamCommand({ StreamName: STREAM_NAME, ShardCount: options.shards ?? 4 }));
  for (let i = 0; i < 100; i++) {
    const s = await kinesisClient.send(new DescribeStreamSummaryCommand({ StreamName: STREAM_NAME }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
    await new Promise((r) => setTimeout(r, 50));
  }

  let ddb: DynamoDbLocal | undefined;
  let ddbProxy: HttpFaultProxy | undefined;
  let ddbClient: DynamoDBClient | undefined;
  let ddbDirect: DynamoDBClient | undefined;
  if (options.dynamodb !== false) {
    ddb = track('dynamodb local', await startDynamoDbLocal());
    ddbProxy = track('dynamodb proxy', await startHttpFaultProxy(ddb.port));
    ddbClient = localDynamoDbClient(ddbProxy.endpoint);
    ddbDirect = localDynamoDbClient(ddb.endpoint, undefined, AUDIT_REQUEST_TIMEOUT_MILLIS);
    track('dynamodb clients', {
      stop: () => {
        ddbClient?.destroy();
        ddbDirect?.destroy();
      },
    });
    await createTables(ddbDirect, TABLES);
  }

  let bridges = 0;
  const world: World = {
    id: options.id,
    get mosquitto() {
      return holder.mosquitto;
    },
    set mosquitto(m: Mosquitto) {
      holder.mosquitto = m;
    },
    brokerProxy,
    tap,
    kinesis,
    kinesisProxy,
    kinesisClient,
    ...(ddb ? { ddb, ddbProxy, ddbClient, ddbDirect } : {}),
    bridgeUser,
    feedUser,
    secrets: [bridgeUser.password, feedUser.password],
    bridgeEnv(overrides = {}) {
      return {
        MQTT_URL: `mqtt://127.0.0.1:${brokerProxy.port}`,
        MQTT_CLIENT_ID: `chaos-bridge-${options.id}`,
        MQTT_TOPICS: feedFilter({ customerId: CUSTOMER }),
        MQTT_USERNAME: bridgeUser.username,
        MQTT_PASSWORD: bridgeUser.password,
        KINESIS_STREAM_NAME: STREAM_NAME,
        AWS_ENDPOINT_URL_KINESIS: `http://127.0.0.1:${kinesisProxy.port}`,
        // Shorter reconnect backoff than the default (1 s to 60 s), so a broker restart costs seconds, not a minute.
        MQTT_RECONNECT_MIN_MILLIS: '200',
        MQTT_RECONNECT_MAX_MILLIS: '2000',
        ...overrides,
      };
    },
    async startBridge(overrides = {}) {
      bridges += 1;
      return startBridge({ name: `${options.id}-bridge-${bridges}`, env: world.bridgeEnv(overrides) });
    },
    async publish({ count, ratePerSecond, feed }) {
      const publisherOptions: PublisherOptions = {
        brokerUrl: holder.mosquitto.url,
        username: feedUser.username,
        password: feedUser.password,
        clientId: `chaos-feed-${options.id}-${randomBytes(3).toString('hex')}`,
        count,
        ratePerSecond: ratePerSecond ?? Infinity,
        maxInflight: 500,
        feed: { customerId: CUSTOMER, ...feed },
      };
      const simulator = await startSimulator(publisherOptions);
      track('simulator', { stop: async () => void (await simulator.stop()) });
      return simulator;
    },
    async restartBroker(downMillis = 0) {
      await holder.mosquitto.stop();
      await new Promise((r) => setTimeout(r, downMillis));
      holder.mosquitto = await holder.mosquitto.restart();
    },
    pollerEvents: [],
    async startPoller(pollerOptions = {}) {
      if (!ddbClient) throw new Error('startPoller needs DynamoDB: startWorld({ dynamodb: true })');
      const handler = createHandler({
        client: ddbClient,
        config: {
          readingsTableName: TABLES.readings,
          quarantineTableName: TABLES.quarantine,
          quarantineRetentionDays: 90,
        },
        logger: quietLogger,
        metrics: quietMetrics,
      });
      const poller = await startStreamPoller({
        client: kinesisClient,
        streamName: STREAM_NAME,
        handler,
        // The event source mapping's settings as the CDK app deploys them: see POLLER_SETTINGS.
        ...POLLER_SETTINGS,
        ...pollerOptions,
        onEvent: (e) => {
          const line =
            e.kind === 'on-failure'
              ? `on-failure ${JSON.stringify(e.record)}`
              : `${e.kind} ${e.shardId} ${'attempt' in e ? `attempt ${e.attempt}` : ''} ${e.error?.message ?? ''}`;
          const entry = `${new Date().toISOString()} ${line}`;
          world.pollerEvents.push(entry);
          appendFileSync(join(LOGS_DIR, `${options.id}-poller.log`), `${entry}\n`);
          if (world.pollerEvents.length > 200) world.pollerEvents.shift();
        },
      });
      track('poller', { stop: () => poller.stop({ timeoutMillis: 5000 }) });
      return poller;
    },
  };
  return world;
}
