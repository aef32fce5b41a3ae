/**
 * A private Eclipse Mosquitto for one benchmark: its own config in a temporary folder, a free loopback port, an
 * explicit in-flight window (`max_inflight_messages`, the W of the acknowledgement-window figure) and a queue large
 * enough to hold the whole backlog of a persistent session.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '../../local/services/free-port';

/** Where Debian installs the broker. */
export const MOSQUITTO_BINARY = '/usr/sbin/mosquitto';

/** A running mosquitto. */
export interface Mosquitto {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** The in-flight window the broker was given. */
  readonly maxInflight: number;
  stop(): Promise<void>;
}

/** Options for {@link startMosquitto}. */
export interface MosquittoOptions {
  /** QoS 1 messages in flight to one client (MQTT 3.1.1). @default 1000 */
  readonly maxInflight?: number;
  /** QoS 1 messages queued per offline or busy client. @default 1000000 */
  readonly maxQueued?: number;
}

/** The config file's text (pure, for inspection). */
export function mosquittoConfig(port: number, maxInflight: number, maxQueued: number, runAsRoot: boolean): string {
  return [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    // sessions live in memory while the broker runs, which is all a drain needs
    'persistence false',
    `max_inflight_messages ${maxInflight}`,
    `max_queued_messages ${maxQueued}`,
    'max_queued_bytes 0',
    'memory_limit 0',
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    ...(runAsRoot ? ['user root'] : []),
    '',
  ].join('\n');
}

/** Starts mosquitto and resolves once it accepts connections. */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  if (!existsSync(MOSQUITTO_BINARY)) {
    throw new Error(
      `mosquitto is not installed at ${MOSQUITTO_BINARY}: install it with \`apt-get install -y mosquitto\``,
    );
  }
  const maxInflight = options.maxInflight ?? 1000;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, mosquittoConfig(port, maxInflight, options.maxQueued ?? 1_000_000, process.getuid?.() === 0));
  const child = spawn(MOSQUITTO_BINARY, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitForPort(port, '127.0.0.1', 10_000),
      exited.then(() => {
        throw new Error(`mosquitto exited at start: ${stderr.trim()}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `mqtt://127.0.0.1:${port}`, port, process: child, maxInflight, stop };
}
