/**
 * Kinesis on a loopback port: kinesalite, in process, in memory. Streams become ACTIVE at once.
 * Clients must use an HTTP/1.1 handler (the SDK's default HTTP/2 handler is not spoken by kinesalite); the bridge
 * does so anyway (keep-alive).
 */
import type { IncomingMessage, Server } from 'node:http';
import { freePort } from './free-port';

/** A running local Kinesis. */
export interface KinesisLocal {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** A local Kinesis in this process: also counts the requests its clients abandoned mid-request. */
export interface InProcessKinesisLocal extends KinesisLocal {
  /** Requests dropped because their client reset the connection before the request was whole. */
  readonly abortedRequests: number;
}

/** Options for {@link startKinesisLocal}. */
export interface KinesisLocalOptions {
  /** @default - a free port */
  readonly port?: number;
  /** Most shards in all streams. @default 100 */
  readonly shardLimit?: number;
  /** Called for each request its client abandoned mid-request (see {@link dropAbortedRequests}). @default - none */
  readonly onAbortedRequest?: () => void;
}

/**
 * kinesalite rethrows a request's 'error' (index.js, httpHandler: `req.on('error', function(err) { throw err })`), so
 * one client that resets its connection mid-request (a bridge killed while sending PutRecords, a link cut by a proxy)
 * ends the whole process and every stream in it; the chaos suite's scenario 9 lost its kinesalite so, about one run in
 * ten. Kinesis drops such a request and its client retries; this does the same: the abandoned request's
 * ECONNRESET ('aborted') reaches `onAborted` instead of kinesalite's listener. Any other request error still throws.
 */
export function dropAbortedRequests(server: Server, onAborted: () => void): void {
  server.prependListener('request', (req: IncomingMessage) => {
    const on = req.on.bind(req);
    req.on = ((event: string, listener: (...args: unknown[]) => void) =>
      on(
        event,
        event !== 'error'
          ? listener
          : (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? onAborted() : listener(err)),
      )) as typeof req.on;
  });
}

/** Starts kinesalite on 127.0.0.1. */
export async function startKinesisLocal(options: KinesisLocalOptions = {}): Promise<InProcessKinesisLocal> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const kinesalite = require('kinesalite') as (opts: Record<string, unknown>) => Server;
  const port = options.port ?? (await freePort());
  const server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: options.shardLimit ?? 100,
  });
  let abortedRequests = 0;
  dropAbortedRequests(server, () => {
    abortedRequests += 1;
    options.onAbortedRequest?.();
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
    get abortedRequests() {
      return abortedRequests;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
