/**
 * The real bridge (`bridge/src/main.ts`) as its own child process, configured only through its documented
 * environment variables, its output appended to a log file. Readiness and counters come from its health port
 * (`/readyz`, `/status`). Stopping sends SIGTERM (the bridge flushes, acknowledges and exits) and waits for the exit;
 * SIGKILL only after a timeout.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startChildService, type ChildService } from './services/child-service';

/** The bridge's `/status` counters the local runner reads (see bridge/src/health-server.ts for all of them). */
export interface BridgeStatusView {
  readonly received: number;
  readonly written: number;
  readonly acked: number;
  readonly pending: number;
  readonly oldestPendingAgeMillis: number;
  readonly reconnects: number;
  readonly connected: boolean;
  readonly subscribed: boolean;
  readonly state: string;
  readonly rssBytes?: number;
}

/** How to run the bridge. */
export interface BridgeProcessOptions {
  /** The repository root (where `bridge/src/main.ts` is). @default - the parent of this folder */
  readonly root?: string;
  readonly mqttUrl: string;
  readonly clientId: string;
  readonly topics: readonly string[];
  /** @default - none (a loopback broker) */
  readonly username?: string;
  /** @default - none */
  readonly password?: string;
  readonly streamName: string;
  readonly healthPort: number;
  /** `AWS_ENDPOINT_URL_KINESIS`; with it, dummy AWS credentials are set. @default - the real Kinesis of the region */
  readonly kinesisEndpoint?: string;
  readonly region: string;
  /** The file the bridge's stdout and stderr are appended to. */
  readonly logFile: string;
  /** More environment variables (tuning: `BRIDGE_*`, `MQTT_*`, `LOG_LEVEL`). @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Node.js's arguments: another build of the bridge (the bench runs the bundle the container runs).
   * @default - the source, through tsx: `--import tsx bridge/src/main.ts`
   */
  readonly nodeArgs?: readonly string[];
}

/** A running bridge process. */
export interface BridgeProcess {
  readonly process: ChildProcess;
  readonly healthPort: number;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
  /** The bridge's `/status`, or undefined when it does not answer. */
  status(): Promise<BridgeStatusView | undefined>;
  /** Resolves once `/readyz` says ready; rejects on timeout or if the process exits first. */
  waitReady(timeoutMillis: number): Promise<void>;
  /** SIGTERM, then waits for the exit (SIGKILL after `timeoutMillis`). Resolves with the exit code or signal. */
  stop(timeoutMillis?: number): Promise<number | string>;
}

// Inherited variables that would configure the bridge behind the runner's back.
const OWN_VARIABLES = /^(MQTT_|BRIDGE_|KINESIS_|HEALTH_PORT$|AWS_ENDPOINT_URL|LOG_LEVEL$|METRICS_INTERVAL_MILLIS$)/;

/** GET `path` on the loopback port; undefined when nothing answers. */
export function getJson(
  port: number,
  path: string,
  timeoutMillis = 2000,
): Promise<{ status: number; body: unknown } | undefined> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMillis, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: undefined });
          }
        });
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The environment the bridge is started with. */
export function bridgeEnvironment(
  options: BridgeProcessOptions,
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(base).filter(([k]) => !OWN_VARIABLES.test(k)));
  Object.assign(env, {
    MQTT_URL: options.mqttUrl,
    MQTT_CLIENT_ID: options.clientId,
    MQTT_TOPICS: options.topics.join(','),
    KINESIS_STREAM_NAME: options.streamName,
    HEALTH_PORT: String(options.healthPort),
    AWS_REGION: options.region,
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(options.username !== undefined ? { MQTT_USERNAME: options.username } : {}),
    ...(options.password !== undefined ? { MQTT_PASSWORD: options.password } : {}),
    ...(options.kinesisEndpoint
      ? {
          AWS_ENDPOINT_URL_KINESIS: options.kinesisEndpoint,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
        }
      : {}),
    ...options.env,
  });
  return env;
}

/** Starts the bridge process (it is ready once {@link BridgeProcess.waitReady} resolves). */
export function startBridgeProcess(options: BridgeProcessOptions): BridgeProcess {
  const root = options.root ?? join(__dirname, '..');
  const log = openSync(options.logFile, 'a');
  let child: ChildService;
  try {
    child = startChildService({
      name: 'the bridge',
      args: options.nodeArgs ?? ['--import', 'tsx', join(root, 'bridge/src/main.ts')],
      cwd: root,
      env: bridgeEnvironment(options),
      output: log,
      killAfterMillis: 30_000,
    });
  } finally {
    closeSync(log);
  }
  const port = options.healthPort;
  const status = async (): Promise<BridgeStatusView | undefined> => {
    const out = await getJson(port, '/status');
    return out?.status === 200 ? (out.body as BridgeStatusView) : undefined;
  };
  return {
    process: child.process,
    healthPort: port,
    exited: child.exited,
    status,
    waitReady: async (timeoutMillis) => {
      const deadline = Date.now() + timeoutMillis;
      for (;;) {
        if (child.hasExited())
          throw new Error(`the bridge exited at start (code ${String(await child.exited)}); see ${options.logFile}`);
        const out = await getJson(port, '/readyz', 1000);
        if (out?.status === 200) return;
        if (Date.now() > deadline) {
          throw new Error(
            `the bridge was not ready after ${timeoutMillis} ms (/readyz: ${JSON.stringify(out?.body ?? 'no answer')}); see ${options.logFile}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    stop: (timeoutMillis) => child.stop(timeoutMillis),
  };
}
