/**
 * The acknowledgement window: every QoS 1 message received and not yet acknowledged, per connection in receive order.
 *
 * A message enters when it is received and leaves when its record is in Kinesis and every message received before it
 * on the same connection has left too: PUBACKs must go out in the order the PUBLISHes came in (MQTT 3.1.1, 4.6).
 * Messages of a connection that has since closed stay (and count toward the bound) until their records are written,
 * then leave without a PUBACK: their packet ids meant nothing after the connection closed, and the broker redelivers
 * them. They are still written because a broker that lost the session will not redeliver them.
 */
import { Fifo } from './fifo';

/** The connection a message arrived on, as far as the window needs to know. */
export interface WindowConnection {
  readonly id: number;
}

/** One message in the window. */
export interface Delivery<C extends WindowConnection = WindowConnection> {
  readonly connection: C;
  readonly messageId: number;
  /** Bytes held for it (its stream record). */
  readonly bytes: number;
  /** When it was received (epoch milliseconds). */
  readonly receivedAt: number;
  written: boolean;
}

/** The bounded window of unacknowledged messages. */
export class AckWindow<C extends WindowConnection = WindowConnection> {
  private readonly queues = new Map<C, Fifo<Delivery<C>>>();
  private messages = 0;
  private bytes = 0;

  constructor(
    readonly maxMessages: number,
    readonly maxBytes: number,
  ) {}

  /** Messages in the window. */
  get pendingMessages(): number {
    return this.messages;
  }

  /** Bytes held for the messages in the window. */
  get pendingBytes(): number {
    return this.bytes;
  }

  /** True when no more messages should be taken until some leave. */
  get full(): boolean {
    return this.messages >= this.maxMessages || this.bytes >= this.maxBytes;
  }

  /** Adds a received message, last in its connection's order. */
  add(connection: C, messageId: number, bytes: number, receivedAt: number): Delivery<C> {
    const delivery: Delivery<C> = { connection, messageId, bytes, receivedAt, written: false };
    let queue = this.queues.get(connection);
    if (!queue) {
      queue = new Fifo();
      this.queues.set(connection, queue);
    }
    queue.push(delivery);
    this.messages += 1;
    this.bytes += bytes;
    return delivery;
  }

  /**
   * Marks deliveries as written and returns those that leave the window now, in receive order per connection: the
   * caller acknowledges each one whose connection is still the live one.
   */
  markWritten(deliveries: readonly Delivery<C>[]): Delivery<C>[] {
    const touched = new Set<C>();
    for (const d of deliveries) {
      d.written = true;
      touched.add(d.connection);
    }
    const leaving: Delivery<C>[] = [];
    for (const connection of touched) {
      const queue = this.queues.get(connection);
      if (!queue) continue;
      for (let head = queue.peek(); head?.written; head = queue.peek()) {
        queue.shift();
        this.messages -= 1;
        this.bytes -= head.bytes;
        leaving.push(head);
      }
      if (queue.length === 0) this.queues.delete(connection);
    }
    return leaving;
  }

  /** Age of the oldest message in the window, in milliseconds; 0 when empty. */
  oldestAgeMillis(now: number): number {
    let oldest = Infinity;
    for (const queue of this.queues.values()) oldest = Math.min(oldest, queue.peek()?.receivedAt ?? Infinity);
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }
}
