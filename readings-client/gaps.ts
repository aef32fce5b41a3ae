/**
 * Completeness of a series, pure: the cadence inferred from the data and the reading times where a reading was
 * expected but none is stored.
 *
 * Cadence: v2 readings state their interval (start to end), so the cadence is the most common interval length; v1
 * readings are points in time, so it is the most common spacing between consecutive reading times (rounded to the
 * second, so millisecond jitter does not split the vote; a tie goes to the shorter). A series that holds v2 readings
 * takes its cadence from them. One v1 reading alone has no cadence, and then no gaps can be named. A v1 series that
 * misses more readings than it has at its true cadence (every other one, say) looks complete at a longer cadence:
 * pass `cadenceMillis` when the cadence is known.
 *
 * Gaps: between two consecutive v2 readings, any time their intervals leave uncovered is a gap; otherwise, between two
 * consecutive readings `round(spacing / cadence) - 1` readings are missing. At the edges of a range, the reading
 * times expected in `[from, first)` and `(last, to]` that a whole cadence step reaches are missing. Without `from`
 * and `to`, the range is the data's own first and last reading.
 */
import { InvalidArgumentError } from './errors';

/** What {@link findGaps} reads of a reading. */
export interface GapInput {
  /** Canonical reading time (v1 data time, v2 interval end). */
  readonly readingTime: string;
  /** v2 only: the interval's start. */
  readonly intervalStart?: string;
}

/** Options of {@link findGaps}. */
export interface FindGapsOptions {
  /** Start of the range (inclusive). @default - the first reading's time */
  readonly from?: string | Date;
  /** End of the range (inclusive). @default - the last reading's time */
  readonly to?: string | Date;
  /** The series' cadence, when the caller knows it. @default - inferred from the data */
  readonly cadenceMillis?: number;
}

/** A stretch of time without data, where readings were expected. */
export interface Gap {
  /** Where the data before the gap ends: the previous reading's time, or the range's start. */
  readonly from: string;
  /** Where the data after the gap begins: the next reading's (interval start) time, or the range's end. */
  readonly to: string;
  /** How many readings are missing in it, at the series' cadence (at least 1). */
  readonly missing: number;
}

/** How the cadence of a series was found. */
export type CadenceSource = 'intervals' | 'spacing' | 'given' | 'unknown';

/** The completeness of one series over a range. */
export interface GapReport {
  /** Readings present. */
  readonly readings: number;
  /** The series' cadence, in milliseconds; undefined when it cannot be inferred. */
  readonly cadenceMillis: number | undefined;
  readonly cadenceSource: CadenceSource;
  /** Readings missing, summed over {@link gaps}. */
  readonly missing: number;
  /** `readings / (readings + missing)`, from 0 to 1; undefined when there are no readings and none were expected. */
  readonly completeness: number | undefined;
  readonly gaps: readonly Gap[];
  /** First and last reading time present. */
  readonly first: string | undefined;
  readonly last: string | undefined;
}

interface Point {
  readonly time: number;
  readonly readingTime: string;
  readonly start?: number;
  readonly intervalStart?: string;
}

/** Milliseconds since the epoch of an ISO 8601 time or a Date; throws {@link InvalidArgumentError} otherwise. */
export function toMillis(time: string | Date, name: string): number {
  const ms = typeof time === 'string' ? Date.parse(time) : time.getTime();
  if (Number.isNaN(ms)) throw new InvalidArgumentError(`${name} must be an ISO 8601 time, got ${JSON.stringify(time)}`);
  return ms;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The most common of `values` after rounding to the second (ties: the smaller); undefined for none. */
function mostCommon(values: readonly number[]): number | undefined {
  const votes = new Map<number, number[]>();
  for (const v of values) {
    const bucket = Math.round(v / 1000);
    votes.set(bucket, [...(votes.get(bucket) ?? []), v]);
  }
  let best: number[] | undefined;
  let bestBucket = Infinity;
  for (const [bucket, members] of votes) {
    if (!best || members.length > best.length || (members.length === best.length && bucket < bestBucket)) {
      best = members;
      bestBucket = bucket;
    }
  }
  if (!best) return undefined;
  // the bucket's median keeps an exact cadence exact (60000, not 60000 +- jitter)
  const sorted = [...best].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** The cadence of a series, inferred from its readings (see the module comment). */
export function inferCadence(readings: readonly GapInput[]): { millis: number | undefined; source: CadenceSource } {
  const points = toPoints(readings);
  const intervals = points.filter((p) => p.start !== undefined).map((p) => p.time - p.start!);
  if (intervals.length > 0) return { millis: mostCommon(intervals), source: 'intervals' };
  const spacings: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const spacing = points[i]!.time - points[i - 1]!.time;
    if (spacing > 0) spacings.push(spacing);
  }
  const millis = mostCommon(spacings);
  return millis === undefined ? { millis, source: 'unknown' } : { millis, source: 'spacing' };
}

function toPoints(readings: readonly GapInput[]): Point[] {
  return readings
    .map((r) => ({
      time: toMillis(r.readingTime, 'readingTime'),
      readingTime: r.readingTime,
      ...(r.intervalStart !== undefined
        ? { start: toMillis(r.intervalStart, 'intervalStart'), intervalStart: r.intervalStart }
        : {}),
    }))
    .sort((a, b) => a.time - b.time);
}

/** The gaps of one series' readings over a range. Pure; the readings may come in any order. */
export function findGaps(readings: readonly GapInput[], options: FindGapsOptions = {}): GapReport {
  const points = toPoints(readings);
  const from = options.from === undefined ? undefined : toMillis(options.from, 'from');
  const to = options.to === undefined ? undefined : toMillis(options.to, 'to');
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidArgumentError(`from (${iso(from)}) must not be after to (${iso(to)})`);
  }
  if (options.cadenceMillis !== undefined && !(options.cadenceMillis > 0)) {
    throw new InvalidArgumentError(`cadenceMillis must be a positive number, got ${options.cadenceMillis}`);
  }
  const inferred =
    options.cadenceMillis !== undefined
      ? { millis: options.cadenceMillis, source: 'given' as const }
      : inferCadence(readings);
  const cadence = inferred.millis;
  const first = points[0];
  const last = points[points.length - 1];
  const gaps: Gap[] = [];
  if (cadence !== undefined && first && last) {
    if (from !== undefined) {
      const missing = Math.floor((first.time - from) / cadence);
      if (missing >= 1) gaps.push({ from: iso(from), to: first.intervalStart ?? first.readingTime, missing });
    }
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1]!;
      const b = points[i]!;
      if (b.start !== undefined && a.start !== undefined) {
        const uncovered = b.start - a.time;
        if (uncovered > 0) {
          gaps.push({
            from: a.readingTime,
            to: b.intervalStart!,
            missing: Math.max(1, Math.round(uncovered / cadence)),
          });
        }
      } else {
        const missing = Math.round((b.time - a.time) / cadence) - 1;
        if (missing >= 1) gaps.push({ from: a.readingTime, to: b.readingTime, missing });
      }
    }
    if (to !== undefined) {
      const missing = Math.floor((to - last.time) / cadence);
      if (missing >= 1) gaps.push({ from: last.readingTime, to: iso(to), missing });
    }
  }
  const missing = gaps.reduce((sum, g) => sum + g.missing, 0);
  const expected = points.length + missing;
  return {
    readings: points.length,
    cadenceMillis: cadence,
    cadenceSource: inferred.source,
    missing,
    completeness: expected === 0 ? undefined : points.length / expected,
    gaps,
    first: first?.readingTime,
    last: last?.readingTime,
  };
}
