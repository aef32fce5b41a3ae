/**
 * The closed set of reasons why a message cannot become a reading, and the typed result every decoder in `core/`
 * returns. Nothing in `core/` throws on input: a malformed topic, envelope or payload is a {@link Rejection}.
 */

/** Why a message was rejected. The ingest function stores this code as the quarantine item's `reason`. */
export const REJECTION_REASONS = [
  'bad-envelope',
  'bad-topic',
  'too-large',
  'not-utf8',
  'not-json',
  'not-object',
  'duplicate-key',
  'unsupported-version',
  'missing-field',
  'bad-timestamp',
  'bad-register',
  'bad-value',
  'bad-interval',
] as const;

/** One of {@link REJECTION_REASONS}. */
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Every reason a quarantine item can carry: a rejection, or a conflict found by the ingest function. */
export const QUARANTINE_REASONS = [...REJECTION_REASONS, 'conflict'] as const;

/** One of {@link QUARANTINE_REASONS}. */
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

/** A typed rejection: a reason code from the closed set and a message naming the field and what was wrong. */
export interface Rejection {
  readonly ok: false;
  readonly reason: RejectionReason;
  readonly message: string;
}

/** A successful decode. */
export interface Accepted<T> {
  readonly ok: true;
  readonly value: T;
}

/** What every decoder in `core/` returns. */
export type Result<T> = Accepted<T> | Rejection;

/** Builds a rejection. */
export function reject(reason: RejectionReason, message: string): Rejection {
  return { ok: false, reason, message };
}

/** Builds a success. */
export function accept<T>(value: T): Accepted<T> {
  return { ok: true, value };
}

/** True when `s` is one of {@link QUARANTINE_REASONS}. */
export function isQuarantineReason(s: string): s is QuarantineReason {
  return (QUARANTINE_REASONS as readonly string[]).includes(s);
}

/** Quotes a received value for a message, shortened so one bad input cannot flood a log line. */
export function quote(value: unknown, max = 80): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
