/**
 * Starting and stopping the embedded MQTT broker (aedes) as a child process on a loopback port.
 * See `embedded-broker-process.ts` for the broker itself.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startChildService, waitForLine } from './child-service';
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
  const service = startChildService({
    name: 'embedded broker',
    args: ['--import', 'tsx', join(__dirname, 'embedded-broker-process.ts'), '--port', String(port)],
    killAfterMillis: 3000,
  });
  await waitForLine(service, '"ready":true');
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    process: service.process,
    stop: async () => void (await service.stop()),
  };
}
