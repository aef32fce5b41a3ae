/**
 * Counts MQTT packets on the wire between the bridge and the broker: a {@link ConnectionTap} for the TCP proxy that
 * splits each direction into MQTT control packets (fixed header, remaining length) and records the ones that prove
 * or break the bridge's promise: PUBLISH at QoS 1 from the broker, PUBACK from the bridge, CONNECT and CONNACK.
 * Plain MQTT only (the data scenarios run mqtt:// on loopback; TLS scenarios count TCP connections instead).
 */
import type { ConnectionTap } from './tcp-proxy';

/** MQTT control packet types (MQTT 3.1.1, 2.2.1). */
const CONNECT = 1;
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const SUBSCRIBE = 8;
const SUBACK = 9;
const UNSUBSCRIBE = 10;
const DISCONNECT = 14;

/** What the tap has seen, over every connection. */
export interface MqttWireCounts {
  connects: number;
  /** CONNACKs by return code. */
  connacks: Record<number, number>;
  /** CONNACKs with session present = 1. */
  sessionsPresent: number;
  /** QoS 1 PUBLISH packets sent by the broker to the bridge (redeliveries included). */
  publishesToBridge: number;
  /** Of which with the DUP flag. */
  dupPublishesToBridge: number;
  /** PUBACKs sent by the bridge to the broker. */
  pubacksFromBridge: number;
  /** PUBACKs whose packet id has no PUBLISH outstanding on that connection (a protocol error). */
  unexpectedPubacks: number;
  /**
   * New PUBLISHes (no DUP) carrying a packet id still unacknowledged on the connection: the broker reused an id in
   * flight (mosquitto 2.0.11 does, when it sends a resumed session's backlog past 65,535 messages).
   */
  reusedPacketIds: number;
  /** PUBACKs sent out of the order in which the PUBLISHes arrived on the connection (MQTT 3.1.1, 4.6). */
  outOfOrderPubacks: number;
  subscribes: number;
  /** SUBACK return codes seen (0x80 is a refusal). */
  subackCodes: number[];
  /** UNSUBSCRIBE packets from the bridge (a graceful stop must not drop its subscriptions). */
  unsubscribes: number;
  disconnects: number;
  /** Time of the last PUBACK from the bridge, epoch ms. */
  lastPubackAt: number;
}

/** A tap factory plus its counts. */
export interface MqttTap {
  readonly counts: MqttWireCounts;
  /** Pass to {@link startTcpProxy} as `tap`. */
  readonly tap: (connectionNumber: number, close: () => void) => ConnectionTap;
  /** Connections closed by the tap after a SUBACK for a filter outside the grant (see `kickOutside`). */
  readonly kicks: number;
  /** CONNACKs with session present, by the client id of the CONNECT they answered (a lane's, say). */
  readonly sessionsPresentByClient: Readonly<Record<string, number>>;
  /** CONNECTs by client id. */
  readonly connectsByClient: Readonly<Record<string, number>>;
  /** Closes the open connections of one client id (one lane of a bridge) and returns how many it closed. */
  cut(clientId: string): number;
}

/** Options of {@link createMqttTap}. */
export interface MqttTapOptions {
  /**
   * Play the provider's broker, which kicks a client that subscribes outside the customer it was granted: close the
   * connection right after the SUBACK of a SUBSCRIBE whose filter does not start with this prefix. @default - never
   */
  readonly kickOutside?: string;
}

/** Splits a byte stream into MQTT packets, calling `onPacket(type, flags, body)` for each. */
export function mqttPacketSplitter(onPacket: (type: number, flags: number, body: Buffer) => void) {
  let buffer: Buffer = Buffer.alloc(0);
  return (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    for (;;) {
      if (buffer.length < 2) return;
      let length = 0;
      let multiplier = 1;
      let offset = 1;
      let complete = false;
      while (offset < buffer.length && offset <= 4) {
        const byte = buffer[offset++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete || buffer.length < offset + length) return;
      const header = buffer[0]!;
      onPacket(header >> 4, header & 0x0f, buffer.subarray(offset, offset + length));
      buffer = buffer.subarray(offset + length);
    }
  };
}

/** Creates a tap that counts MQTT packets between a client (the bridge) and a broker. */
export function createMqttTap(options: MqttTapOptions = {}): MqttTap {
  let kicks = 0;
  const counts: MqttWireCounts = {
    connects: 0,
    connacks: {},
    sessionsPresent: 0,
    publishesToBridge: 0,
    dupPublishesToBridge: 0,
    pubacksFromBridge: 0,
    unexpectedPubacks: 0,
    reusedPacketIds: 0,
    outOfOrderPubacks: 0,
    subscribes: 0,
    subackCodes: [],
    unsubscribes: 0,
    disconnects: 0,
    lastPubackAt: 0,
  };
  const sessionsPresentByClient: Record<string, number> = {};
  const connectsByClient: Record<string, number> = {};
  const open = new Map<string, Set<() => void>>();
  const tap = (_n: number, close: () => void): ConnectionTap => {
    let foreignFilter = false;
    let clientId: string | undefined;
    // Packet ids of QoS 1 PUBLISHes on this connection not yet acknowledged, in arrival order; an id can appear twice
    // when the broker reuses one still in flight. Acknowledged entries become -1 until the head passes them.
    const awaiting: number[] = [];
    let head = 0;
    const outstanding = new Map<number, number>();
    const advance = () => {
      while (head < awaiting.length && awaiting[head] === -1) head++;
      if (head > 4096 && head * 2 > awaiting.length) {
        awaiting.splice(0, head);
        head = 0;
      }
    };
    return {
      closed: () => {
        if (clientId !== undefined) open.get(clientId)?.delete(close);
      },
      fromServer: mqttPacketSplitter((type, flags, body) => {
        if (type === CONNACK && body.length >= 2) {
          counts.connacks[body[1]!] = (counts.connacks[body[1]!] ?? 0) + 1;
          if ((body[0]! & 1) === 1) {
            counts.sessionsPresent += 1;
            if (clientId !== undefined)
              sessionsPresentByClient[clientId] = (sessionsPresentByClient[clientId] ?? 0) + 1;
          }
        } else if (type === PUBLISH && ((flags >> 1) & 3) === 1) {
          const topicLength = body.readUInt16BE(0);
          const id = body.readUInt16BE(2 + topicLength);
          counts.publishesToBridge += 1;
          if ((flags & 8) !== 0) counts.dupPublishesToBridge += 1;
          const n = outstanding.get(id) ?? 0;
          if (n > 0 && (flags & 8) === 0) counts.reusedPacketIds += 1;
          // A redelivery (DUP) of an id still outstanding is the same message again: one PUBACK answers both.
          if (n === 0 || (flags & 8) === 0) {
            outstanding.set(id, n + 1);
            awaiting.push(id);
          }
        } else if (type === SUBACK) {
          for (const code of body.subarray(2)) counts.subackCodes.push(code);
          if (foreignFilter) {
            kicks += 1;
            close();
          }
        }
      }),
      fromClient: mqttPacketSplitter((type, _flags, body) => {
        if (type === CONNECT) {
          counts.connects += 1;
          clientId = connectClientId(body);
          connectsByClient[clientId] = (connectsByClient[clientId] ?? 0) + 1;
          const set = open.get(clientId) ?? new Set();
          set.add(close);
          open.set(clientId, set);
        } else if (type === SUBSCRIBE) {
          counts.subscribes += 1;
          if (options.kickOutside !== undefined) {
            // Packet id, then (length, filter, options) triples (MQTT 3.1.1, 3.8.3).
            for (let at = 2; at + 2 <= body.length;) {
              const length = body.readUInt16BE(at);
              const filter = body.subarray(at + 2, at + 2 + length).toString('utf8');
              if (!filter.startsWith(options.kickOutside)) foreignFilter = true;
              at += 3 + length;
            }
          }
        } else if (type === UNSUBSCRIBE) counts.unsubscribes += 1;
        else if (type === DISCONNECT) counts.disconnects += 1;
        else if (type === PUBACK && body.length >= 2) {
          const id = body.readUInt16BE(0);
          counts.pubacksFromBridge += 1;
          counts.lastPubackAt = Date.now();
          const n = outstanding.get(id) ?? 0;
          if (n === 0) {
            counts.unexpectedPubacks += 1;
            return;
          }
          if (n === 1) outstanding.delete(id);
          else outstanding.set(id, n - 1);
          const at = awaiting.indexOf(id, head);
          if (at !== head) counts.outOfOrderPubacks += 1;
          awaiting[at] = -1;
          advance();
        }
      }),
    };
  };
  return {
    counts,
    tap,
    get kicks() {
      return kicks;
    },
    sessionsPresentByClient,
    connectsByClient,
    cut(id) {
      const closers = [...(open.get(id) ?? [])];
      open.delete(id);
      for (const close of closers) close();
      return closers.length;
    },
  };
}

/**
 * The client id of a CONNECT packet's body: protocol name, level, flags and keep-alive, the properties in MQTT 5,
 * then the client id (MQTT 3.1.1, 3.1.2 and 3.1.3; MQTT 5, 3.1.2.11).
 */
export function connectClientId(body: Buffer): string {
  let at = 2 + body.readUInt16BE(0);
  const level = body[at]!;
  at += 4; // level, flags, keep-alive
  if (level === 5) {
    let length = 0;
    let multiplier = 1;
    for (;;) {
      const byte = body[at++]!;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) break;
    }
    at += length;
  }
  const idLength = body.readUInt16BE(at);
  return body.subarray(at + 2, at + 2 + idLength).toString('utf8');
}
