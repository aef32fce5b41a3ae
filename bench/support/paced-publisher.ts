/**
 * Publishing benchmark messages at a steady rate (QoS 1), remembering when each was handed to the client, keyed by
 * the reading it carries (`<series key>|<reading time>`), so a later observer can compute publish-to-anywhere latency.
 */
import mqtt from 'mqtt';
import { decodeReading } from '../../core';
import { benchMessage } from './messages';

/** A running paced publisher. */
export interface PacedPublisher {
  /** Reading key -> `performance.now()` at publish, for the messages of the measured phase. */
  readonly publishedAt: Map<string, number>;
  /** Messages published so far (warm-up included). */
  sent(): number;
  /** Resolves when the run is over (warm-up plus measured phase) and every PUBACK came back. */
  readonly done: Promise<void>;
}

/** The key of a reading: what the readings table calls `pk|sk`. */
export function readingKey(pk: string, sk: string): string {
  return `${pk}|${sk}`;
}

/** Publishes `ratePerSecond` messages a second for `warmupMillis` (not remembered), then for `measureMillis`. */
export async function startPacedPublisher(options: {
  readonly url: string;
  readonly ratePerSecond: number;
  readonly warmupMillis: number;
  readonly measureMillis: number;
  readonly meters: number;
  /** Shifts every reading time so two runs never collide. */
  readonly offsetIntervals: number;
}): Promise<PacedPublisher> {
  const client = await mqtt.connectAsync(options.url, {
    clientId: `bench-paced-${process.pid}-${Date.now()}`,
    clean: true,
    reconnectPeriod: 0,
  });
  const publishedAt = new Map<string, number>();
  let sent = 0;
  const start = performance.now();
  const total = Math.round((options.ratePerSecond * (options.warmupMillis + options.measureMillis)) / 1000);
  const warmupCount = Math.round((options.ratePerSecond * options.warmupMillis) / 1000);
  let acked = 0;
  const done = new Promise<void>((resolve, reject) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * options.ratePerSecond) / 1000));
      while (sent < due) {
        const i = sent++;
        const m = benchMessage(i, options.meters, options.offsetIntervals);
        if (i >= warmupCount) {
          const r = decodeReading(m.topic, m.payload);
          if (r.ok) publishedAt.set(readingKey(r.value.seriesKey, r.value.readingTime), performance.now());
        }
        client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
          if (err) {
            clearInterval(timer);
            reject(err);
            return;
          }
          acked += 1;
          if (acked === total) {
            clearInterval(timer);
            client.end(false, {}, () => resolve());
          }
        });
      }
    };
    const timer = setInterval(tick, 5);
  });
  return { publishedAt, sent: () => sent, done };
}

/** What the parent asks for. */
export interface PublisherProcessOptions {
  readonly url: string;
  readonly ratePerSecond: number;
  readonly warmupMillis: number;
  readonly measureMillis: number;
  readonly meters: number;
  readonly offsetIntervals: number;
  readonly outFile: string;
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function nowEpochMillis(): number {
  return performance.timeOrigin + performance.now();
}
