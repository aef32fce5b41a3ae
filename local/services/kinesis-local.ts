/**
 * Kinesis on a loopback port: kinesalite, in process, in memory. Streams become ACTIVE at once.
 * Clients must use an HTTP/1.1 handler (the SDK's default HTTP/2 handler is not spoken by kinesalite); the bridge
 * does so anyway (keep-alive).
 */
import type { Server } from 'node:http';
import { freePort } from './free-port';

/** A running local Kinesis. */
export interface KinesisLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Options for {@link startKinesisLocal}. */
export interface KinesisLocalOptions {
  /** @default - a free port */
  readonly port?: number;
  /** Most shards in all streams. @default 100 */
  readonly shardLimit?: number;
}

/** Starts kinesalite on 127.0.0.1. */
export async function startKinesisLocal(options: KinesisLocalOptions = {}): Promise<KinesisLocal> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require('kinesalite') as (opts: Record<string, unknown>) => Server;
  const port = options.port ?? (await freePort());
  const server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: options.shardLimit ?? 100,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
