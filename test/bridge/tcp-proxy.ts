/**
 * A loopback TCP proxy for tests: can refuse and cut connections (a service that becomes unavailable), and can record
 * the MQTT packets that pass (parsed with mqtt-packet, MQTT.js's own parser), in both directions, with a global order.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { freePort } from '../../local/services/free-port';

/** One MQTT packet seen by the proxy. */
export interface TappedPacket {
  /** Global order of events in this test process (shared with {@link nextSeq}). */
  readonly seq: number;
  /** The proxied connection it belongs to: 1, 2, ... */
  readonly connection: number;
  readonly direction: 'toBroker' | 'toClient';
  readonly packet: mqttPacket.Packet;
}

let seq = 0;
/** The next number in the test process's global event order. */
export function nextSeq(): number {
  seq += 1;
  return seq;
}

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  readonly packets: TappedPacket[];
  /** Refuses new connections and cuts open ones. */
  down(): void;
  up(): void;
  stop(): Promise<void>;
}

/** Starts a proxy from a free loopback port to `targetPort`; with `tapMqtt`, records MQTT packets. */
export async function startTcpProxy(
  targetPort: number,
  options: { tapMqtt?: boolean; protocolVersion?: 4 | 5 } = {},
): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  const packets: TappedPacket[] = [];
  let isDown = false;
  let connections = 0;
  const server: Server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const id = ++connections;
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const tap = (direction: TappedPacket['direction']) => {
      const parser = mqttPacket.parser({ protocolVersion: options.protocolVersion ?? 4 });
      parser.on('packet', (packet) => packets.push({ seq: nextSeq(), connection: id, direction, packet }));
      parser.on('error', () => {});
      return (chunk: Buffer) => parser.parse(chunk);
    };
    if (options.tapMqtt) {
      client.on('data', tap('toBroker'));
      upstream.on('data', tap('toClient'));
    }
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  const cut = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port,
    packets,
    down: () => {
      isDown = true;
      cut();
    },
    up: () => {
      isDown = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
