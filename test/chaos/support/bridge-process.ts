/**
 * The real bridge as its own process, configured only through its documented environment variables
 * (docs/bridge.md), exactly as `npm run bridge` starts it: `node --import tsx bridge/src/main.ts`. Its stdout and
 * stderr go to a file under `.local/chaos-logs/` (the security scenario greps every one of them for passwords), and
 * its `/status` JSON is read over HTTP on its `HEALTH_PORT`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../../local/services/free-port';
import { trackChild, track } from './children';
import { LOGS_DIR, REPO_ROOT } from './results';

/** The subset of the bridge's `/status` JSON the scenarios read (field names are the bridge's contract). */
export interface BridgeStatus {
  readonly received: number;
  readonly written: number;
  readonly acked: number;
  readonly pending: number;
  readonly pendingBytes: number;
  readonly reconnects: number;
  readonly sessionsLost: number;
  readonly connectAttempts: number;
  readonly consecutiveFailures: number;
  readonly putRecordsRetries: number;
  readonly connected: boolean;
  readonly subscribed: boolean;
  readonly state: string;
  readonly rssBytes: number;
}

/** How a bridge process ended. */
export interface BridgeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Epoch milliseconds. */
  readonly at: number;
}

/** A running bridge process. */
export interface BridgeProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  readonly healthPort: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<BridgeExit>;
  /** The `/status` JSON, or undefined when the process does not answer. */
  status(): Promise<BridgeStatus | undefined>;
  /** Polls `/status` until `predicate` holds; rejects after `timeoutMillis` with the last status. */
  waitForStatus(predicate: (s: BridgeStatus) => boolean, timeoutMillis: number, what: string): Promise<BridgeStatus>;
  /** The log written so far. */
  log(): string;
  /** Sends a signal; resolves with the exit. */
  kill(signal: NodeJS.Signals): Promise<BridgeExit>;
}

let started = 0;

/** Options for {@link startBridge}. */
export interface StartBridgeOptions {
  /** Names the log file: `.local/chaos-logs/<name>.log`. */
  readonly name: string;
  /** The bridge's environment variables (MQTT_*, KINESIS_STREAM_NAME, AWS_ENDPOINT_URL_KINESIS, tuning). */
  readonly env: Readonly<Record<string, string>>;
}

/** Starts a bridge process. Register-and-forget: it is killed at the end of the scenario whatever happens. */
export async function startBridge(options: StartBridgeOptions): Promise<BridgeProcess> {
  mkdirSync(LOGS_DIR, { recursive: true });
  const logFile = join(LOGS_DIR, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const healthPort = options.env.HEALTH_PORT ? Number(options.env.HEALTH_PORT) : await freePort();
  started += 1;
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'bridge/src/main.ts')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', fd, fd],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'chaos',
      AWS_SECRET_ACCESS_KEY: 'chaos',
      AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
      HEALTH_PORT: String(healthPort),
      ...options.env,
    },
  });
  closeSync(fd);
  trackChild(child);
  const exited = new Promise<BridgeExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const status = async (): Promise<BridgeStatus | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${healthPort}/status`, { signal: AbortSignal.timeout(2000) });
      return res.ok ? ((await res.json()) as BridgeStatus) : undefined;
    } catch {
      return undefined;
    }
  };
  const bridge: BridgeProcess = {
    name: options.name,
    pid: child.pid ?? -1,
    child,
    logFile,
    healthPort,
    exited,
    status,
    async waitForStatus(predicate, timeoutMillis, what) {
      const deadline = Date.now() + timeoutMillis;
      let last: BridgeStatus | undefined;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `bridge ${options.name} exited (${child.exitCode ?? child.signalCode}) while waiting for ${what}; log tail:\n${tail(logFile)}`,
          );
        }
        last = (await status()) ?? last;
        if (last && predicate(last)) return last;
        if (Date.now() > deadline) {
          throw new Error(
            `bridge ${options.name}: ${what} not reached within ${timeoutMillis} ms; last status ${JSON.stringify(last)}; log tail:\n${tail(logFile)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    log: () => readFileSync(logFile, 'utf8'),
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  track(`bridge ${options.name}`, {
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  });
  return bridge;
}

/** The last lines of a log file. */
export function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Bridges started in this test file. */
export function bridgesStarted(): number {
  return started;
}
