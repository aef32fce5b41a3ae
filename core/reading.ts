/**
 * A decoded reading with its identity.
 *
 * Identity is the series key `<customer-id>/<meter-id>/<register-id>` and the canonical reading time (v1
 * `data_timestamp_utc`, v2 `measurement_end_timestamp_utc`). The subscription is not part of it: the same reading
 * delivered through two subscriptions is one reading.
 */
import { decodePayload, type DecodedPayload } from './payload';
import { type Result } from './rejection';
import { parseTopic, type TopicParts } from './topic';

/** A reading: the topic's parts, the payload's fields and its identity. */
export interface Reading extends TopicParts, DecodedPayload {
  /** `<customer-id>/<meter-id>/<register-id>`: the readings table's `pk`. */
  readonly seriesKey: string;
}

/** The series key of a customer's meter register. */
export function seriesKey(customerId: string, meterId: string, registerId: number): string {
  return `${customerId}/${meterId}/${registerId}`;
}

/** The parts of a series key, or undefined when `key` is not one. */
export function parseSeriesKey(key: string): { customerId: string; meterId: string; registerId: number } | undefined {
  const parts = key.split('/');
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '' || !/^[1-9]\d*$/.test(parts[2] ?? '')) return undefined;
  return { customerId: parts[0]!, meterId: parts[1]!, registerId: Number(parts[2]) };
}

/** Decodes a message (topic and payload bytes) into a reading, or the first rejection found. Never throws. */
export function decodeReading(topic: string, payload: Uint8Array): Result<Reading> {
  const parts = parseTopic(topic);
  if (!parts.ok) return parts;
  const decoded = decodePayload(payload);
  if (!decoded.ok) return decoded;
  const p = parts.value;
  const d = decoded.value;
  return {
    ok: true,
    value: { ...p, ...d, seriesKey: seriesKey(p.customerId, p.meterId, d.registerId) },
  };
}

/** The fields that say what a reading is; two deliveries that agree on all of them are duplicates. */
export type ReadingFacts = Pick<DecodedPayload, 'value' | 'readingTime' | 'intervalStart' | 'systemTime'>;

/**
 * True when two deliveries of one identity carry the same reading: the same value and the same timestamps. Any
 * difference makes the later one a conflict, which is recorded and never overwrites the first.
 */
export function isSameReading(a: ReadingFacts, b: ReadingFacts): boolean {
  return (
    a.value === b.value &&
    a.readingTime === b.readingTime &&
    a.intervalStart === b.intervalStart &&
    a.systemTime === b.systemTime
  );
}
