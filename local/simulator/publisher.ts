/**
 * Publishing the simulated feed to an MQTT broker at a steady rate, QoS 1, keeping the books. The only I/O of the
 * simulator: what to publish comes from {@link FeedPlan}; a message enters the books once the broker acknowledged it.
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { FeedBooks, type BooksSummary } from './books';
import { FeedPlan, type FeedOptions } from './feed';

/** How to publish the feed. */
export interface PublisherOptions {
  /** `mqtt://host:port` or `mqtts://…` */
  readonly brokerUrl: string;
  /** @default - none */
  readonly username?: string;
  /** @default - none */
  readonly password?: string;
  /** @default 'feed-simulator-<pid>' */
  readonly clientId?: string;
  /** Messages per second; `Infinity` publishes as fast as the broker acknowledges. @default 100 */
  readonly ratePerSecond?: number;
  /** Stop after this many messages were acknowledged. @default - no limit */
  readonly count?: number;
  /** Stop after this many milliseconds. @default - no limit */
  readonly durationMillis?: number;
  /** Most messages sent and not yet acknowledged. @default 200 */
  readonly maxInflight?: number;
  /** What the feed looks like. @default - see FEED_DEFAULTS */
  readonly feed?: Partial<FeedOptions>;
}

/** A running simulator. */
export interface Simulator {
  /** What the broker acknowledged so far. */
  readonly books: FeedBooks;
  /** Messages handed to the client (acknowledged or not). */
  sent(): number;
  /** Messages the broker acknowledged. */
  published(): number;
  /** Messages whose publish failed (their fate at the broker is unknown): 0 in a healthy run. */
  failed(): number;
  /** Resolves when `count` or `durationMillis` is reached (never, without them) and the last publish is settled. */
  readonly finished: Promise<BooksSummary>;
  /**
   * Stops publishing, waits for the messages in flight (at most `timeoutMillis`, then they count as failed),
   * disconnects; returns the books.
   */
  stop(timeoutMillis?: number): Promise<BooksSummary>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Connects to the broker and starts publishing the feed. */
export async function startSimulator(options: PublisherOptions): Promise<Simulator> {
  const rate = options.ratePerSecond ?? 100;
  const maxInflight = options.maxInflight ?? 200;
  if (!(rate > 0)) throw new Error(`ratePerSecond must be > 0, got ${rate}`);
  if (options.count !== undefined && !(Number.isInteger(options.count) && options.count >= 0)) {
    throw new Error(`count must be an integer >= 0, got ${options.count}`);
  }
  const plan = new FeedPlan(options.feed);
  const books = new FeedBooks();
  const client: MqttClient = await connectAsync(options.brokerUrl, {
    clientId: options.clientId ?? `feed-simulator-${process.pid}`,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
  });
  let sent = 0;
  let acked = 0;
  let failed = 0;
  let inflight = 0;
  let stopping = false;
  const settledWaiters: (() => void)[] = [];
  const onSettled = () => {
    for (const w of settledWaiters.splice(0)) w();
  };

  const loop = async (): Promise<void> => {
    const started = Date.now();
    let scheduleStart = started;
    let scheduledBase = 0;
    while (!stopping) {
      const now = Date.now();
      if (options.durationMillis !== undefined && now - started >= options.durationMillis) break;
      if (options.count !== undefined && sent >= options.count) break;
      let due = Number.isFinite(rate) ? scheduledBase + Math.floor(((now - scheduleStart) * rate) / 1000) : Infinity;
      if (due - sent > rate) {
        // Held back (broker slow): do not burst to catch up, restart the schedule from now.
        scheduleStart = now;
        scheduledBase = sent;
        due = sent;
      }
      while (
        !stopping &&
        sent < due &&
        inflight < maxInflight &&
        (options.count === undefined || sent < options.count)
      ) {
        const message = plan.next();
        sent++;
        inflight++;
        client
          .publishAsync(message.topic, message.payload, { qos: 1 })
          .then(
            () => {
              acked++;
              books.record(message);
            },
            () => {
              failed++;
            },
          )
          .finally(() => {
            inflight--;
            onSettled();
          });
      }
      await sleep(inflight >= maxInflight ? 2 : 10);
    }
    while (inflight > 0) await new Promise<void>((resolve) => settledWaiters.push(resolve));
  };

  const running = loop();
  let ended: Promise<void> | undefined;
  const end = () => (ended ??= client.endAsync());
  const finished = running.then(async () => {
    await end();
    return books.summary();
  });
  return {
    books,
    sent: () => sent,
    published: () => acked,
    failed: () => failed,
    finished,
    stop: async (timeoutMillis = 10_000) => {
      stopping = true;
      // A broker that went away leaves publishes in flight for ever: give up on them after a while.
      const timer = setTimeout(() => client.end(true), timeoutMillis);
      try {
        return await finished;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
