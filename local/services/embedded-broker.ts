/**
 * Starting and stopping the embedded MQTT broker (aedes) as a child process on a loopback port.
 * See `embedded-broker-process.ts` for the broker itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from './free-port';

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the embedded broker and resolves once it listens. */
export async function startEmbeddedBroker(options: { readonly port?: number } = {}): Promise<EmbeddedBroker> {
  const port = options.port ?? (await freePort());
  const script = join(__dirname, 'embedded-broker-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.includes('"ready":true')) resolve();
    });
    void exited.then(() => reject(new Error(`embedded broker exited at start: ${stderr.trim()}`)));
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
