/**
 * Shared pieces of the bridge tests: a local Kinesis with a stream and a reader of everything in it, the bridge as a
 * child process (`node --import tsx bridge/src/main.ts`) or in process, a publisher, and polling helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import * as http from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import mqtt, { type IClientOptions } from 'mqtt';
import { decodeStreamRecord, type StreamRecord } from '../../core';
import { Bridge, type BridgeDeps } from '../../bridge/src/bridge';
import { loadConfig } from '../../bridge/src/config';
import { staticCredentials } from '../../bridge/src/credentials';
import type { BridgeStatus } from '../../bridge/src/health-server';
import { silentLogger } from '../../bridge/src/logger';
import { freePort } from '../../local/services/free-port';
import { startKinesisLocal, type KinesisLocal } from '../../local/services/kinesis-local';

process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING = '1';

/** Dummy AWS settings for kinesalite. */
export const AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
};

/** A topic for customer `c1`. */
export function topicFor(meter: string | number, customer = 'c1'): string {
  return `meters/outbound/${customer}/s1/m${meter}`;
}

/** A local Kinesis with one stream. */
export interface TestKinesis {
  readonly local: KinesisLocal;
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly endpoint: string;
  /** Every record in the stream, decoded, in shard order. */
  readAll(): Promise<StreamRecord[]>;
  stop(): Promise<void>;
}

/** A Kinesis client for kinesalite at `endpoint` (HTTP/1.1). */
export function kinesisClientFor(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });
}

/** Starts kinesalite with a stream of `shards` shards. */
export async function startTestKinesis(shards = 2): Promise<TestKinesis> {
  const local = await startKinesisLocal();
  const client = kinesisClientFor(local.endpoint);
  const streamName = 'readings';
  await client.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  const readAll = async (): Promise<StreamRecord[]> => {
    const out: StreamRecord[] = [];
    const listed = await client.send(new ListShardsCommand({ StreamName: streamName }));
    for (const shard of listed.Shards ?? []) {
      let iterator = (
        await client.send(
          new GetShardIteratorCommand({
            StreamName: streamName,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      while (iterator) {
        const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        for (const r of page.Records ?? []) {
          const decoded = decodeStreamRecord(r.Data ?? new Uint8Array());
          if (!decoded.ok) throw new Error(`bad record in the stream: ${decoded.message}`);
          out.push(decoded.value);
        }
        if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return out;
  };
  return { local, client, streamName, endpoint: local.endpoint, readAll, stop: () => local.stop() };
}

/** The environment of a bridge against `mqttUrl` and `kinesisEndpoint`. */
export function bridgeEnv(
  mqttUrl: string,
  kinesisEndpoint: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    ...AWS_ENV,
    MQTT_URL: mqttUrl,
    MQTT_CLIENT_ID: 'bridge-test',
    MQTT_TOPICS: 'meters/outbound/c1/#',
    KINESIS_STREAM_NAME: 'readings',
    AWS_ENDPOINT_URL_KINESIS: kinesisEndpoint,
    HEALTH_PORT: '0',
    MQTT_RECONNECT_MIN_MILLIS: '100',
    MQTT_RECONNECT_MAX_MILLIS: '2000',
    MQTT_STABLE_CONNECTION_MILLIS: '1000',
    BRIDGE_RETRY_MIN_MILLIS: '50',
    BRIDGE_RETRY_MAX_MILLIS: '500',
    BRIDGE_REQUEST_TIMEOUT_MILLIS: '3000',
    METRICS_INTERVAL_MILLIS: '60000',
    ...overrides,
  };
}

/** Starts a bridge in this process (its own env, not process.env). */
export async function startInProcessBridge(
  env: Record<string, string>,
  deps: Partial<BridgeDeps> = {},
): Promise<Bridge> {
  const config = loadConfig(env);
  const bridge = new Bridge(config, {
    logger: silentLogger,
    credentials: staticCredentials(
      env.MQTT_USERNAME && env.MQTT_PASSWORD ? { username: env.MQTT_USERNAME, password: env.MQTT_PASSWORD } : undefined,
    ),
    kinesisClient: kinesisClientFor(env.AWS_ENDPOINT_URL_KINESIS ?? ''),
    writeMetrics: () => {},
    ...deps,
  });
  await bridge.start();
  return bridge;
}

/** The bridge as a child process. */
export interface BridgeProcess {
  readonly child: ChildProcess;
  readonly healthPort: number;
  /** Every stdout line, parsed when JSON. */
  readonly lines: Array<Record<string, unknown>>;
  readonly rawOutput: () => string;
  status(): Promise<BridgeStatus>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGKILL and waits for the exit. */
  kill(): Promise<void>;
}

const MAIN = join(__dirname, '..', '..', 'bridge', 'src', 'main.ts');

/** Starts `bridge/src/main.ts` as a child process with exactly `env` (plus PATH), and waits until it serves /status. */
export async function spawnBridge(
  env: Record<string, string>,
  waitForHealth = true,
  nodeArgs: string[] = ['--import', 'tsx', MAIN],
): Promise<BridgeProcess> {
  const healthPort = env.HEALTH_PORT && env.HEALTH_PORT !== '0' ? Number(env.HEALTH_PORT) : await freePort();
  const child = spawn(process.execPath, nodeArgs, {
    env: { PATH: process.env.PATH ?? '', ...env, HEALTH_PORT: String(healthPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let raw = '';
  createInterface({ input: child.stdout! }).on('line', (line) => {
    raw += `${line}\n`;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ raw: line });
    }
  });
  child.stderr!.on('data', (c: Buffer) => (raw += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const proc: BridgeProcess = {
    child,
    healthPort,
    lines,
    rawOutput: () => raw,
    status: () => getJson<BridgeStatus>(healthPort, '/status'),
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  if (waitForHealth) {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`bridge exited at start:\n${raw}`);
        return proc.status().then(
          () => true,
          () => false,
        );
      },
      30_000,
      'the bridge serves /status',
    );
  }
  return proc;
}

/** GETs JSON from the bridge's health server. */
export function getJson<T>(port: number, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T);
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    req.on('error', reject);
    req.setTimeout(2_000, () => req.destroy(new Error('timeout')));
  });
}

/** The HTTP status code of a GET. */
export function getStatusCode(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

/** Polls `check` every 50 ms until it returns true; fails after `timeoutMillis` naming `what`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  timeoutMillis: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMillis} ms waiting until ${what}`);
    await sleep(50);
  }
}

/** Resolves after `millis`. */
export function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** Publishes messages at QoS 1 and resolves when the broker acknowledged them all. */
export async function publishAll(
  url: string,
  messages: ReadonlyArray<{ topic: string; payload: Buffer | string }>,
  options: IClientOptions = {},
): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    clientId: `publisher-${Math.random().toString(16).slice(2)}`,
    reconnectPeriod: 0,
    ...options,
  });
  try {
    const window = 500;
    for (let i = 0; i < messages.length; i += window) {
      await Promise.all(
        messages.slice(i, i + window).map((m) => client.publishAsync(m.topic, m.payload as Buffer, { qos: 1 })),
      );
    }
  } finally {
    await client.endAsync();
  }
}

/** Creates the bridge's persistent session at the broker (connect, subscribe, disconnect), so messages queue for it. */
export async function createSession(
  url: string,
  clientId: string,
  filters: string[],
  options: IClientOptions = {},
): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 0, ...options });
  await client.subscribeAsync(filters, { qos: 1 });
  await client.endAsync();
}

/** Numbered test payloads: `{"n":i}` as bytes. */
export function numbered(
  count: number,
  topic = (i: number) => topicFor(i % 10),
): Array<{ topic: string; payload: Buffer }> {
  return Array.from({ length: count }, (_, i) => ({ topic: topic(i), payload: Buffer.from(JSON.stringify({ n: i })) }));
}

/** The set of `n` values found in records. */
export function numbersIn(records: StreamRecord[]): Set<number> {
  return new Set(records.map((r) => (JSON.parse(Buffer.from(r.payload).toString('utf8')) as { n: number }).n));
}

/**
 * Whether Nagle's algorithm is off (TCP_NODELAY) on each socket of this process connected to 127.0.0.1:`port`.
 * Node has no public getter: this reads its own record of `setNoDelay` (the `kSetNoDelay` symbol on net.Socket,
 * Node 20) on the handles `process._getActiveHandles()` lists. False for a socket on which it was never called.
 */
export function noDelayOfSocketsTo(port: number): boolean[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const sockets = handles.filter(
    (h): h is Socket => h instanceof Socket && h.remotePort === port && h.remoteAddress === '127.0.0.1',
  );
  return sockets.map((s) => {
    const symbol = Object.getOwnPropertySymbols(s).find((x) => x.description === 'kSetNoDelay');
    if (!symbol) throw new Error('this Node.js keeps no kSetNoDelay on its sockets: update noDelayOfSocketsTo');
    return (s as unknown as Record<symbol, unknown>)[symbol] === true;
  });
}
