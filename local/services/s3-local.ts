/**
 * S3 on a loopback port: s3rver (the maintained fork `@20minutes/s3rver`), in process, storing objects in a folder
 * (a fresh temporary one unless given). Buckets named in `buckets` exist at start. Clients must use path-style
 * addressing (`forcePathStyle: true`): there is no DNS for `<bucket>.127.0.0.1`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/** A running local S3. */
export interface S3Local {
  readonly endpoint: string;
  readonly port: number;
  /** Where the objects are kept. */
  readonly directory: string;
  stop(): Promise<void>;
}

/** Options for {@link startS3Local}. */
export interface S3LocalOptions {
  /** @default - a free port */
  readonly port?: number;
  /** Buckets to create at start. @default - none */
  readonly buckets?: readonly string[];
  /** Where to keep the objects; kept at stop when given. @default - a new temporary folder, removed at stop */
  readonly directory?: string;
}

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}

/** Starts s3rver on 127.0.0.1. */
export async function startS3Local(options: S3LocalOptions = {}): Promise<S3Local> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const S3rver = require('@20minutes/s3rver') as new (opts: Record<string, unknown>) => S3rverInstance;
  const port = options.port ?? (await freePort());
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 's3-local-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    // path-style only: a bucket is the first path segment, never a subdomain
    vhostBuckets: false,
    // s3rver canonicalises some of SDK v3's query strings (ListObjectsV2's) differently from S3 and then refuses
    // the signature; the credentials are still checked, and signing is the SDK's business, not this code's
    allowMismatchedSignatures: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  await server.run();
  const sockets = new Set<Socket>();
  server.httpServer?.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    directory,
    stop: () =>
      (stopped ??= (async () => {
        for (const s of sockets) s.destroy();
        await server.close().catch(() => undefined);
        if (options.directory === undefined) rmSync(directory, { recursive: true, force: true });
      })()),
  };
}
