/**
 * A broker that keeps to its in-flight window, and a network path with a round trip: a loopback TCP proxy in front of
 * mosquitto (which, in 2.0.11, does not keep to `max_inflight_messages` once acknowledgements flow). For each client
 * connection it lets at most W QoS 1 PUBLISHes towards the client be unacknowledged: the next PUBLISH waits at the
 * proxy until a PUBACK from the client has reached it. It records the most PUBLISHes it ever let be unacknowledged
 * on one connection, so a figure can prove its window. It adds RTT to the path: half of it on each direction (the
 * odd millisecond towards the broker), so a PUBACK reaches the gate, and the PUBLISH it frees reaches the client,
 * one RTT after the client sent it: one session can then go no faster than W / (L + RTT).
 *
 * Packets are framed from the MQTT fixed header (type and remaining length) and forwarded as the bytes they came
 * as; nothing else is parsed. Every PUBACK from the client answers one unacknowledged PUBLISH (QoS 1, MQTT 3.1.1
 * 3.4 and MQTT 5 3.4), so counting them is enough.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../../local/services/free-port';

/** Options of {@link startWindowProxy}. */
export interface WindowProxyOptions {
  /** The broker's port on 127.0.0.1. */
  readonly targetPort: number;
  /** Most unacknowledged QoS 1 PUBLISHes per connection. */
  readonly window: number;
  /** Round trip added to the path, milliseconds. @default 0 */
  readonly rttMillis?: number;
}

/** A running proxy. */
export interface WindowProxy {
  readonly port: number;
  readonly url: string;
  /** The most QoS 1 PUBLISHes unacknowledged at once on any one connection. */
  readonly maxUnacked: number;
  /** The same, per connection (1, 2, ... in the order they were accepted). */
  readonly maxUnackedByConnection: readonly number[];
  /** QoS 1 PUBLISHes let through and PUBACKs seen, over all connections. */
  readonly published: number;
  readonly acked: number;
  /** Cuts every open connection (both sides), e.g. to drop one lane. */
  cut(connection?: number): void;
  stop(): Promise<void>;
}

/** Splits a byte stream into whole MQTT packets (fixed header: type byte, remaining length as a varint). */
export class MqttFramer {
  private pending: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns the packets now complete, in order. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const packets: Buffer[] = [];
    let offset = 0;
    for (;;) {
      let length = 0;
      let multiplier = 1;
      let i = offset + 1;
      let complete = false;
      for (; i < this.pending.length && i <= offset + 4; i++) {
        const byte = this.pending[i] as number;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) break;
      const end = i + 1 + length;
      if (end > this.pending.length) break;
      packets.push(this.pending.subarray(offset, end));
      offset = end;
    }
    this.pending = this.pending.subarray(offset);
    return packets;
  }
}

/** True for a PUBLISH at QoS 1 (MQTT fixed header: type 3, QoS in bits 1-2). */
export function isQos1Publish(packet: Buffer): boolean {
  const b = packet[0] as number;
  return b >> 4 === 3 && ((b >> 1) & 3) === 1;
}

/** True for a PUBACK (type 4). */
export function isPuback(packet: Buffer): boolean {
  return (packet[0] as number) >> 4 === 4;
}

/** Delivers chunks `delayMillis` after they were pushed, in order. */
class DelayLine {
  private readonly queue: { at: number; chunk: Buffer }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly delayMillis: number,
    private readonly deliver: (chunk: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    if (this.delayMillis <= 0) {
      this.deliver(chunk);
      return;
    }
    this.queue.push({ at: performance.now() + this.delayMillis, chunk });
    this.arm();
  }

  close(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }

  private arm(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    const wait = Math.max(0, (this.queue[0] as { at: number }).at - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      // a timer fires up to a millisecond late: deliver everything due within half a millisecond
      while (this.queue.length > 0 && (this.queue[0] as { at: number }).at <= now + 0.5) {
        this.deliver((this.queue.shift() as { chunk: Buffer }).chunk);
      }
      this.arm();
    }, wait);
  }
}

/** Held packets above which the broker's socket is paused (TCP then holds the broker), and below which resumed. */
const HOLD_HIGH = 2_000;
const HOLD_LOW = 500;

/** Starts the proxy on a free loopback port. */
export async function startWindowProxy(options: WindowProxyOptions): Promise<WindowProxy> {
  const port = await freePort();
  const rtt = options.rttMillis ?? 0;
  const toBrokerDelay = Math.ceil(rtt / 2);
  const toClientDelay = rtt - toBrokerDelay;
  const maxByConnection: number[] = [];
  const cutters = new Map<number, () => void>();
  const sockets = new Set<Socket>();
  let published = 0;
  let acked = 0;
  const server: Server = createServer((client) => {
    const id = maxByConnection.length + 1;
    maxByConnection.push(0);
    const upstream = connect(options.targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let unacked = 0;
    const held: Buffer[] = [];
    let heldHead = 0;
    let paused = false;
    const toClient = new DelayLine(toClientDelay, (chunk) => {
      if (!client.destroyed) client.write(chunk);
    });
    const pump = () => {
      const out: Buffer[] = [];
      while (heldHead < held.length) {
        const packet = held[heldHead] as Buffer;
        if (isQos1Publish(packet)) {
          if (unacked >= options.window) break;
          unacked += 1;
          published += 1;
          if (unacked > (maxByConnection[id - 1] as number)) maxByConnection[id - 1] = unacked;
        }
        out.push(packet);
        heldHead += 1;
      }
      if (heldHead > 1024 && heldHead * 2 > held.length) {
        held.splice(0, heldHead);
        heldHead = 0;
      }
      if (out.length > 0) toClient.push(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
      const waiting = held.length - heldHead;
      if (!paused && waiting > HOLD_HIGH) {
        paused = true;
        upstream.pause();
      } else if (paused && waiting < HOLD_LOW) {
        paused = false;
        upstream.resume();
      }
    };
    const fromBroker = new MqttFramer();
    upstream.on('data', (chunk: Buffer) => {
      // copy: the framer keeps slices of chunks it has not finished
      for (const packet of fromBroker.push(Buffer.from(chunk))) held.push(packet);
      pump();
    });
    const fromClient = new MqttFramer();
    const toBroker = new DelayLine(toBrokerDelay, (chunk) => {
      let acks = 0;
      for (const packet of fromClient.push(chunk)) if (isPuback(packet)) acks += 1;
      if (acks > 0) {
        unacked = Math.max(0, unacked - acks);
        acked += acks;
        pump();
      }
      if (!upstream.destroyed) upstream.write(chunk);
    });
    client.on('data', (chunk: Buffer) => toBroker.push(Buffer.from(chunk)));
    const close = () => {
      toClient.close();
      toBroker.close();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      cutters.delete(id);
    };
    cutters.set(id, close);
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    get maxUnacked() {
      return Math.max(0, ...maxByConnection);
    },
    get maxUnackedByConnection() {
      return [...maxByConnection];
    },
    get published() {
      return published;
    },
    get acked() {
      return acked;
    },
    cut(connection?: number) {
      for (const [id, close] of [...cutters]) if (connection === undefined || id === connection) close();
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
