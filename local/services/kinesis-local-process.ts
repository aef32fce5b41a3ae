/**
 * Kinesis on a loopback port in a child process of its own (kinesis-local-main.ts), started through the child-service
 * launcher so it dies with its parent: for the benchmarks and the chaos suite, whose measured or tested code must not
 * share an event loop with kinesalite.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startChildService, waitForLine, type ChildService } from './child-service';
import { freePort } from './free-port';
import type { KinesisLocal } from './kinesis-local';

/** A running kinesalite process. */
export interface KinesisLocalProcess extends KinesisLocal {
  readonly service: ChildService;
}

/** Options for {@link startKinesisLocalProcess}. */
export interface KinesisLocalProcessOptions {
  /** @default - a free port */
  readonly port?: number;
  /** A file that gets its stderr and how it ended (a crash mid-run looks like a stalled pipeline otherwise). @default - none */
  readonly logFile?: string;
}

/** Starts kinesalite in a child process and resolves once it listens. */
export async function startKinesisLocalProcess(options: KinesisLocalProcessOptions = {}): Promise<KinesisLocalProcess> {
  const port = options.port ?? (await freePort());
  const service = startChildService({
    name: 'kinesalite',
    args: ['--import', 'tsx', join(__dirname, 'kinesis-local-main.ts'), '--port', String(port)],
    killAfterMillis: 3000,
  });
  const { logFile } = options;
  let stopping = false;
  if (logFile) {
    service.process.stderr?.on('data', (chunk: Buffer) => appendFileSync(logFile, chunk));
    void service.exited.then((end) =>
      appendFileSync(
        logFile,
        `${new Date().toISOString()} kinesalite exited (${end})${stopping ? ' when stopped' : ''}\n`,
      ),
    );
  }
  await waitForLine(service, '"ready":true');
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    service,
    stop: async () => {
      stopping = true;
      await service.stop();
    },
  };
}
