/**
 * A TCP proxy on a loopback port in front of a real server, whose link can be cut on demand: the fault a local
 * implementation cannot produce by itself without losing its data (kinesalite keeps its streams in memory, so it is
 * never stopped; the proxy in front of it is).
 *
 * Modes:
 * - `pass`: every byte forwarded both ways;
 * - `refuse`: open connections are reset and new ones reset at once (the server is down);
 * - `blackhole`: new connections are accepted and never answered, open ones go silent (a network partition).
 *
 * Taps see every chunk in each direction, in order, so a protocol parser can count packets on the wire.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the proxy does with traffic. */
export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

/** Observes one proxied connection. */
export interface ConnectionTap {
  /** Bytes from the client to the server. */
  fromClient?(chunk: Buffer): void;
  /** Bytes from the server to the client. */
  fromServer?(chunk: Buffer): void;
  /** The connection closed. */
  closed?(): void;
}

/** Options for {@link startTcpProxy}. */
export interface TcpProxyOptions {
  /** The real server's port on 127.0.0.1. */
  readonly targetPort: number;
  /** @default - a free port */
  readonly port?: number;
  /**
   * Called for each accepted connection in `pass` mode; returns the tap for it. `close` ends the connection (to play
   * a broker that kicks a client). @default - no tap
   */
  readonly tap?: (connectionNumber: number, close: () => void) => ConnectionTap;
}

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far, in any mode. */
  readonly connections: number;
  /** When each connection was accepted, epoch milliseconds. */
  readonly connectionTimes: readonly number[];
  /**
   * Connections that sent bytes while black-holed, each counted once per black hole: the requests a client started
   * into the black hole, on a new connection or on one it kept alive (a client that abandons a hung HTTP request
   * closes its connection, so each such connection carries one attempt). New connections alone undercount attempts
   * when the client reuses a pool of idle keep-alive connections.
   */
  readonly blackholedSenders: number;
  readonly mode: ProxyMode;
  /** Switches the mode; `refuse` and `blackhole` also cut or silence the open connections. */
  setMode(mode: ProxyMode): void;
  /** Resets every open connection, whatever the mode. */
  severAll(): void;
  stop(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  server?: Socket;
}

/** Starts a TCP proxy on 127.0.0.1. */
export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  let connections = 0;
  const connectionTimes: number[] = [];
  const pairs = new Set<Pair>();
  const held = new Set<Socket>();
  // Sockets that sent bytes during the current black hole, counted once each.
  let silencedSenders = new WeakSet<Socket>();
  let blackholedSenders = 0;
  const countSender = (client: Socket) => {
    if (silencedSenders.has(client)) return;
    silencedSenders.add(client);
    blackholedSenders += 1;
  };

  const reset = (pair: Pair) => {
    pair.client.resetAndDestroy();
    pair.server?.destroy();
    pairs.delete(pair);
  };

  const server: Server = createServer((client) => {
    connections += 1;
    connectionTimes.push(Date.now());
    client.on('error', () => undefined);
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'blackhole') {
      held.add(client);
      client.on('close', () => held.delete(client));
      client.on('data', () => countSender(client));
      client.resume();
      return;
    }
    const pair: Pair = { client };
    pairs.add(pair);
    const upstream = connect(options.targetPort, '127.0.0.1');
    pair.server = upstream;
    const tap = options.tap?.(connections, () => setImmediate(() => reset(pair))) ?? {};
    upstream.on('error', () => reset(pair));
    client.on('error', () => reset(pair));
    // Data is forwarded by hand, not piped, so a mode switch can silence a connection without closing it.
    upstream.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return;
      tap.fromServer?.(chunk);
      client.write(chunk);
    });
    client.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') return countSender(client);
      tap.fromClient?.(chunk);
      upstream.write(chunk);
    });
    upstream.on('end', () => client.end());
    client.on('end', () => upstream.end());
    let done = false;
    const close = () => {
      if (done) return;
      done = true;
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
      tap.closed?.();
    };
    upstream.on('close', close);
    client.on('close', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    port,
    get connections() {
      return connections;
    },
    get blackholedSenders() {
      return blackholedSenders;
    },
    connectionTimes,
    get mode() {
      return mode;
    },
    setMode(next: ProxyMode) {
      const previous = mode;
      mode = next;
      if (next === 'blackhole' && previous !== 'blackhole') silencedSenders = new WeakSet<Socket>();
      if (next === 'refuse') for (const pair of [...pairs]) reset(pair);
      if (next === 'pass') {
        for (const s of [...held]) s.resetAndDestroy();
        // A connection that lost bytes while black-holed is corrupt: its peers must open a new one.
        if (previous === 'blackhole') for (const pair of [...pairs]) reset(pair);
      }
    },
    severAll() {
      for (const pair of [...pairs]) reset(pair);
      for (const s of [...held]) s.resetAndDestroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const pair of [...pairs]) reset(pair);
        for (const s of [...held]) s.destroy();
        server.close(() => resolve());
      }),
  };
}
