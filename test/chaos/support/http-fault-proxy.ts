/**
 * An HTTP proxy in front of DynamoDB Local that can answer as an overloaded or broken DynamoDB would: throttling
 * (400 `ProvisionedThroughputExceededException`, which the SDK retries), server errors (500), or no answer at all
 * (connections reset). DynamoDB Local cannot be told to throttle, and stopping it loses its in-memory tables.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What the proxy does with a request: `blackhole` takes it and never answers. */
export type HttpFaultMode = 'pass' | 'throttle' | 'error' | 'refuse' | 'blackhole';

/** A running fault proxy. */
export interface HttpFaultProxy {
  readonly port: number;
  readonly endpoint: string;
  mode: HttpFaultMode;
  /** Requests forwarded. */
  readonly forwarded: number;
  /** Requests answered with a fault, reset, or held unanswered. */
  readonly faulted: number;
  /** When each request held by `blackhole` arrived, epoch milliseconds. */
  readonly blackholedAt: readonly number[];
  stop(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 in front of `targetPort`. */
export async function startHttpFaultProxy(targetPort: number): Promise<HttpFaultProxy> {
  let forwarded = 0;
  let faulted = 0;
  const sockets = new Set<Socket>();
  const held = new Set<Socket>();
  const blackholedAt: number[] = [];
  const state = { mode: 'pass' as HttpFaultMode };

  const fail = (res: ServerResponse, status: number, type: string, message: string) => {
    const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': `chaos-${faulted}`,
    });
    res.end(body);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const mode = state.mode;
    if (mode !== 'pass') {
      faulted += 1;
      req.resume();
      if (mode === 'refuse') {
        req.socket.resetAndDestroy();
        return;
      }
      if (mode === 'blackhole') {
        blackholedAt.push(Date.now());
        held.add(req.socket);
        req.socket.once('close', () => held.delete(req.socket));
        return;
      }
      req.on('end', () => {
        if (mode === 'throttle') {
          fail(res, 400, 'ProvisionedThroughputExceededException', 'chaos: throughput exceeded');
        } else {
          fail(res, 500, 'InternalServerError', 'chaos: internal server error');
        }
      });
      return;
    }
    forwarded += 1;
    const upstream = request(
      { host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => req.socket.resetAndDestroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 5000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(next: HttpFaultMode) {
      state.mode = next;
      if (next === 'refuse') for (const s of [...sockets]) s.resetAndDestroy();
      // Requests held unanswered stay so until their client gives up; leaving the mode resets what is left.
      if (next !== 'blackhole') for (const s of [...held]) s.resetAndDestroy();
    },
    blackholedAt,
    get forwarded() {
      return forwarded;
    },
    get faulted() {
      return faulted;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of [...sockets]) s.destroy();
        server.close(() => resolve());
      }),
  };
}
