/**
 * A decoded reading with its identity.
 *
 * Identity is the series key `<customer-id>/<meter-id>/<register-id>` and the canonical reading time (v1
 * `data_timestamp_utc`, v2 `measurement_end_timestamp_utc`). The subscription is not part of it: the same reading
 * delivered through two subscriptions is one reading. Neither is the schema version: a register 2 reading sent as v1
 * and as v2 is one reading. A second delivery of an identity is a duplicate or a conflict by {@link judgeDelivery}.
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

/**
 * The facts of one delivery of a reading, as far as the duplicate judgement reads them: a decoded payload, or a
 * stored item (whose schema version may be one this code does not know).
 */
export interface ReadingFacts {
  /** Canonical decimal text. */
  readonly value: string;
  readonly readingTime: string;
  /** v2 only. */
  readonly intervalStart?: string;
  /** v1 only. */
  readonly systemTime?: string;
  /** @default - not compared */
  readonly schemaVersion?: number;
  /** @default - none */
  readonly extraFields?: string;
}

/** The facts that may differ between two deliveries of one reading without making them a conflict. */
export const OTHER_FACTS = ['systemTime', 'schemaVersion', 'intervalStart', 'extraFields'] as const;

/** One of {@link OTHER_FACTS}. */
export type OtherFact = (typeof OTHER_FACTS)[number];

/** What a second delivery of an identity is, next to the first. */
export type DeliveryJudgement =
  /** The same reading; `otherFacts` names the facts of the envelope or payload that differ (often none). */
  | { readonly kind: 'duplicate'; readonly otherFacts: readonly OtherFact[] }
  /** Another reading for the same identity: `differs` names what makes it so. */
  | { readonly kind: 'conflict'; readonly differs: readonly ('value' | 'readingTime' | 'intervalStart')[] };

/**
 * Judges a delivery of an identity that is already stored, by the reading, not its envelope. A reading is its
 * identity (series key and reading time), its value and, for v2, its interval start: a delivery that agrees on these
 * is a **duplicate**, whatever else differs, and the stored item keeps the first delivery's facts. That covers a v1
 * re-sent with a new `system_timestamp_utc` (the time the provider's system handled it, not the reading's) and a
 * register 2 reading sent once as v1 and once as v2 (the provider is moving register 2 to v2; v1 has no interval
 * start, so there is none to compare). The facts that differ are named, so they can be counted. A different value,
 * or a different v2 interval start for the same identity, is a **conflict**: two readings that cannot both be true.
 */
export function judgeDelivery(stored: ReadingFacts, delivered: ReadingFacts): DeliveryJudgement {
  const differs: ('value' | 'readingTime' | 'intervalStart')[] = [];
  if (stored.value !== delivered.value) differs.push('value');
  if (stored.readingTime !== delivered.readingTime) differs.push('readingTime');
  const bothIntervals = stored.intervalStart !== undefined && delivered.intervalStart !== undefined;
  if (bothIntervals && stored.intervalStart !== delivered.intervalStart) differs.push('intervalStart');
  if (differs.length > 0) return { kind: 'conflict', differs };
  const otherFacts = OTHER_FACTS.filter((fact) => {
    if (fact === 'schemaVersion') {
      return stored.schemaVersion !== undefined && delivered.schemaVersion !== undefined
        ? stored.schemaVersion !== delivered.schemaVersion
        : false;
    }
    return stored[fact] !== delivered[fact];
  });
  return { kind: 'duplicate', otherFacts };
}

/**
 * True when two deliveries of one identity carry the same reading (see {@link judgeDelivery}): the same value and,
 * when both have one, the same interval start. Any other difference makes the later one a conflict, which is
 * recorded and never overwrites the first.
 */
export function isSameReading(a: ReadingFacts, b: ReadingFacts): boolean {
  return judgeDelivery(a, b).kind === 'duplicate';
}
