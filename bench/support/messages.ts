/**
 * The benchmark's feed: deterministic provider-shaped messages, v1 (register 2, a rising accumulated reading) and v2
 * (register 1, an interval value), one reading per meter per 15-minute interval. Message `i` is always the same
 * bytes, so a backlog, a Kinesis batch and an ingest batch carry comparable payloads.
 */

/** A message to publish. */
export interface BenchMessage {
  readonly topic: string;
  readonly payload: Buffer;
}

/** The customer benchmark messages belong to unless told otherwise. */
export const BENCH_CUSTOMER = 'bench';

/** The subscription filter of one customer's messages. */
export function filterFor(customer: string): string {
  return `meters/outbound/${customer}/#`;
}

/** The subscription filter that covers every message of {@link BENCH_CUSTOMER}. */
export const BENCH_FILTER = filterFor(BENCH_CUSTOMER);

/**
 * The customer of a backlog session: the client id itself, so that each persistent session subscribes to its own
 * customer's topics and no publish for one session is queued for another.
 */
export function customerOf(clientId: string): string {
  return clientId;
}

const BASE_TIME = Date.UTC(2026, 0, 1);
const INTERVAL_MS = 15 * 60 * 1000;

/** The reading time of message `i` for a fleet of `meters` meters: one interval per pass over the fleet. */
export function readingTimeOf(i: number, meters: number, offsetIntervals = 0): string {
  return new Date(BASE_TIME + (Math.floor(i / meters) + offsetIntervals) * INTERVAL_MS).toISOString();
}

/** The `i`-th message of a fleet of `meters` meters (`offsetIntervals` shifts every reading time). */
export function benchMessage(i: number, meters = 1000, offsetIntervals = 0, customer = BENCH_CUSTOMER): BenchMessage {
  const meter = `m${String(i % meters).padStart(6, '0')}`;
  const topic = `meters/outbound/${customer}/s1/${meter}`;
  const end = readingTimeOf(i, meters, offsetIntervals);
  const v1 = i % 2 === 0;
  const body = v1
    ? {
        smarteo_payload_schema_version: 1,
        register_id: 2,
        meter_reading: `${(i * 0.125 + 1000).toFixed(3)}`,
        data_timestamp_utc: end,
        system_timestamp_utc: end,
      }
    : {
        smarteo_payload_schema_version: 2,
        register_id: 1,
        value: `${((i % 997) * 0.01).toFixed(2)}`,
        measurement_start_timestamp_utc: new Date(Date.parse(end) - INTERVAL_MS).toISOString(),
        measurement_end_timestamp_utc: end,
      };
  // the provider sends numbers, not strings: unquote the value
  const text = JSON.stringify(body).replace(/"(meter_reading|value)":"([0-9.]+)"/, '"$1":$2');
  return { topic, payload: Buffer.from(text, 'utf8') };
}
