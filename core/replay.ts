/**
 * What a replay leaves on what it touches: the marker a replayed stream record carries in its envelope, which the
 * ingest function copies onto the reading it stores (and uses for a quarantine item's key), and the quarantine
 * reasons that are kept until replayed.
 *
 * A replayed record is put back into the stream by `npm run replay` with its original partition key and this marker:
 * - `id`: the replay run (one id per run; the trace of the run is kept under that id);
 * - `at`: when the run started (ISO 8601 UTC with milliseconds);
 * - `source`: `archive`, `failed-records` or `quarantine`;
 * - `of`: the original record, `<shardId>/<sequenceNumber>`; a replayed record that is rejected again is quarantined
 *   under that original key, so replaying it twice adds no second item;
 * - `reason`: for a quarantine replay, the reason of the item it came from.
 */
import { QUARANTINE_REASONS, type QuarantineReason } from './rejection';

/** Where a replay read its records. */
export const REPLAY_SOURCES = ['archive', 'failed-records', 'quarantine'] as const;

/** One of {@link REPLAY_SOURCES}. */
export type ReplaySource = (typeof REPLAY_SOURCES)[number];

/** The marker of a replayed stream record. */
export interface ReplayMarker {
  readonly id: string;
  readonly at: string;
  readonly source: ReplaySource;
  /** The original record: `<shardId>/<sequenceNumber>`. */
  readonly of: string;
  /** The quarantine reason the record was replayed from (quarantine replays only). */
  readonly reason?: QuarantineReason;
}

/**
 * Quarantine reasons a decoder change can undo (a new payload version, a field renamed, a timestamp or number form
 * learnt): their items have no TTL, so they wait for the replay that the fix makes possible. Malformed bytes
 * (`not-utf8`, `not-json`, …), truncated payloads and conflicts keep the configured retention (the raw archive keeps
 * their bytes for its own, longer, retention).
 */
export const KEPT_UNTIL_REPLAYED_REASONS: readonly QuarantineReason[] = [
  'unsupported-version',
  'missing-field',
  'bad-timestamp',
  'bad-register',
  'bad-value',
  'bad-interval',
];

/** True when items of this reason are kept until replayed (no TTL). */
export function isKeptUntilReplayed(reason: string): boolean {
  return (KEPT_UNTIL_REPLAYED_REASONS as readonly string[]).includes(reason);
}

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Reads a replay marker from an envelope's `replay` field; a string names what is wrong. */
export function parseReplayMarker(value: unknown): ReplayMarker | string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'is not an object';
  const o = value as Record<string, unknown>;
  if (typeof o.id !== 'string' || !ID.test(o.id)) return 'has a bad "id"';
  if (typeof o.at !== 'string' || !AT.test(o.at)) return 'has a bad "at"';
  if (typeof o.source !== 'string' || !(REPLAY_SOURCES as readonly string[]).includes(o.source)) {
    return 'has a bad "source"';
  }
  if (typeof o.of !== 'string' || o.of.length === 0 || o.of.length > 300) return 'has a bad "of"';
  if (
    o.reason !== undefined &&
    (typeof o.reason !== 'string' || !(QUARANTINE_REASONS as readonly string[]).includes(o.reason))
  ) {
    return 'has a bad "reason"';
  }
  const unknown = Object.keys(o).filter((k) => !['id', 'at', 'source', 'of', 'reason'].includes(k));
  if (unknown.length > 0) return `has unknown fields ${JSON.stringify(unknown)}`;
  return {
    id: o.id,
    at: o.at,
    source: o.source as ReplaySource,
    of: o.of,
    ...(o.reason !== undefined ? { reason: o.reason as QuarantineReason } : {}),
  };
}
