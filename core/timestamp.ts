/**
 * Timestamps of the feed: ISO 8601 in UTC, one canonical form out.
 *
 * Accepted: `YYYY-MM-DDTHH:mm:ss[.f]Z` or the same with `+00:00`, with a real calendar date and time (no leap second,
 * year 0001-9999), and a fraction of 1 to 9 digits. The canonical form is `YYYY-MM-DDTHH:mm:ss.sssZ`; a fraction finer
 * than a millisecond is accepted only when the extra digits are zeros, since anything else would be lost silently.
 * Rejected with `bad-timestamp`: any other offset or zone, a date without a time, lower-case `t`/`z`, a space instead
 * of `T`, a number instead of a string.
 */
import { accept, quote, reject, type Result } from './rejection';

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|\+00:00)$/;

/** The canonical `YYYY-MM-DDTHH:mm:ss.sssZ` form of an ISO 8601 UTC timestamp, or a `bad-timestamp` rejection. */
export function canonicalTimestamp(value: unknown, field: string): Result<string> {
  if (typeof value !== 'string') {
    return reject('bad-timestamp', `${field} must be an ISO 8601 UTC string, got ${quote(value)}`);
  }
  const m = ISO_UTC.exec(value);
  if (!m) {
    return reject('bad-timestamp', `${field} must be ISO 8601 in UTC (YYYY-MM-DDTHH:mm:ss.sssZ), got ${quote(value)}`);
  }
  const [, y, mo, d, h, mi, s, frac = ''] = m as unknown as string[];
  if (frac.length > 3 && /[1-9]/.test(frac.slice(3))) {
    return reject('bad-timestamp', `${field} ${quote(value)} is finer than a millisecond and would lose precision`);
  }
  const ms = (frac + '000').slice(0, 3);
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as number[];
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!, Number(ms)));
  date.setUTCFullYear(year!); // Date.UTC maps years 0-99 to 1900-1999
  const ok =
    year! >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  if (!ok) return reject('bad-timestamp', `${field} ${quote(value)} is not a real date and time`);
  return accept(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
}
