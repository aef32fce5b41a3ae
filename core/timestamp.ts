/**
 * Timestamps of the feed: ISO 8601 with a zone, one canonical UTC form out. Two canonical forms, by what a timestamp
 * is for:
 *
 * - {@link canonicalTimestamp}, for the timestamps that are part of a reading's identity or its value (the reading
 *   time, the v2 interval start): `YYYY-MM-DDTHH:mm:ss.sssZ`. The reading time is the readings table's sort key, a
 *   contract downstream apps sort and query by, and it has milliseconds: a fraction finer than a millisecond is
 *   accepted only when its extra digits are zeros (`.123000`), since anything else would be lost silently and two
 *   different instants would become one reading. Rejected otherwise.
 * - {@link preciseTimestamp}, for a timestamp that is not part of the identity (v1 `system_timestamp_utc`, when the
 *   provider's system handled the reading): every digit of the fraction is kept, up to nanoseconds. Its canonical
 *   form is UTC with at least three fraction digits and no trailing zero beyond them: `…:03.123456Z` stays
 *   `…:03.123456Z`, `…:03.123000Z` is `…:03.123Z`, `…:03Z` is `…:03.000Z`. So a timestamp with milliseconds reads as
 *   before, and one instant has one text. Texts of different precision do not sort as strings; compare instants.
 *   Rejecting a whole reading for digits of a field nobody keys on (what Java's `Instant.toString()` and Python's
 *   `isoformat()` print) would quarantine valid readings.
 *
 * Accepted by both: `YYYY-MM-DDTHH:mm:ss[.f]` with a fraction of 1 to 9 digits, a real calendar date and time (no
 * leap second, year 0001-9999 after conversion to UTC), and a zone: `Z`, or a UTC offset `+hh:mm`, `-hh:mm`, `+hhmm`,
 * `-hhmm`, `+hh`, `-hh` (hours 00-23, minutes 00-59, as RFC 3339 allows; `-00:00` too). An offset names one exact
 * instant, so converting it to UTC loses nothing: `2023-01-11T13:00:00.000+01:00` is `2023-01-11T12:00:00.000Z`,
 * and the reading's identity is the instant, whatever the spelling.
 *
 * Rejected with `bad-timestamp`: no zone (a local time names no instant), a zone name, a date without a time,
 * lower-case `t`/`z`, a space instead of `T`, more than 9 fraction digits, a number instead of a string.
 */
import { accept, quote, reject, type Result } from './rejection';

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** A timestamp read into its UTC fields. */
interface ParsedTimestamp {
  /** `YYYY-MM-DDTHH:mm:ss` in UTC. */
  readonly utcSeconds: string;
  /** The fraction's digits as given (0 to 9). */
  readonly fraction: string;
}

function parse(value: unknown, field: string): Result<ParsedTimestamp> {
  if (typeof value !== 'string') {
    return reject('bad-timestamp', `${field} must be an ISO 8601 string with a zone, got ${quote(value)}`);
  }
  const m = ISO.exec(value);
  if (!m) {
    return reject(
      'bad-timestamp',
      `${field} must be ISO 8601 with Z or a UTC offset (YYYY-MM-DDTHH:mm:ss.sssZ, …+01:00), got ${quote(value)}`,
    );
  }
  const [, y, mo, d, h, mi, s, fraction = '', , sign, oh, om = '00'] = m as unknown as string[];
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  const local = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  local.setUTCFullYear(year!); // Date.UTC maps years 0-99 to 1900-1999
  const real =
    year! >= 1 &&
    local.getUTCFullYear() === year &&
    local.getUTCMonth() === month! - 1 &&
    local.getUTCDate() === day &&
    local.getUTCHours() === hour &&
    local.getUTCMinutes() === minute &&
    local.getUTCSeconds() === second;
  if (!real) return reject('bad-timestamp', `${field} ${quote(value)} is not a real date and time`);
  let utc = local;
  if (sign !== undefined) {
    const [offsetHours, offsetMinutes] = [Number(oh), Number(om)];
    if (offsetHours > 23 || offsetMinutes > 59) {
      return reject('bad-timestamp', `${field} ${quote(value)} has an offset outside -23:59 .. +23:59`);
    }
    const offsetMillis = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
    utc = new Date(local.getTime() - offsetMillis);
  }
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) {
    return reject('bad-timestamp', `${field} ${quote(value)} is outside the years 0001-9999 in UTC`);
  }
  const two = (n: number) => String(n).padStart(2, '0');
  const utcSeconds =
    `${String(utcYear).padStart(4, '0')}-${two(utc.getUTCMonth() + 1)}-${two(utc.getUTCDate())}` +
    `T${two(utc.getUTCHours())}:${two(utc.getUTCMinutes())}:${two(utc.getUTCSeconds())}`;
  return accept({ utcSeconds, fraction });
}

/**
 * The canonical `YYYY-MM-DDTHH:mm:ss.sssZ` form of an identity timestamp (offsets converted to UTC), or a
 * `bad-timestamp` rejection, also when a digit finer than a millisecond is not zero.
 */
export function canonicalTimestamp(value: unknown, field: string): Result<string> {
  const parsed = parse(value, field);
  if (!parsed.ok) return parsed;
  const { utcSeconds, fraction } = parsed.value;
  if (/[1-9]/.test(fraction.slice(3))) {
    return reject(
      'bad-timestamp',
      `${field} ${quote(value)} is finer than a millisecond, which the reading time cannot hold: it would lose precision`,
    );
  }
  return accept(`${utcSeconds}.${fraction.padEnd(3, '0').slice(0, 3)}Z`);
}

/**
 * The canonical form of a timestamp that is not part of a reading's identity, with every digit of its fraction:
 * UTC, at least milliseconds, no trailing zero beyond them (`2023-01-12T00:00:03.123456Z`). Or `bad-timestamp`.
 */
export function preciseTimestamp(value: unknown, field: string): Result<string> {
  const parsed = parse(value, field);
  if (!parsed.ok) return parsed;
  const { utcSeconds, fraction } = parsed.value;
  const digits = fraction.padEnd(3, '0');
  const kept = digits.slice(0, 3) + digits.slice(3).replace(/0+$/, '');
  return accept(`${utcSeconds}.${kept}Z`);
}
