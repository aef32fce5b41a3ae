/**
 * Small statistics for the benchmarks, pure: percentiles of a sample, the median of repeated runs, rates and ratios.
 * Every figure the bench reports is a ratio against a reference measured in the same run, so these helpers say
 * nothing about absolute speed.
 */

/**
 * The p-th percentile (0-100) of a sample by the nearest-rank method: the smallest value such that at least p% of the
 * sample is at or below it. `NaN` for an empty sample.
 */
export function percentile(sample: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be between 0 and 100, got ${p}`);
  if (sample.length === 0) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** The p50, p95, p99 and maximum of a sample. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Summarises a latency sample (milliseconds). */
export function summarize(sample: readonly number[]): LatencySummary {
  return {
    count: sample.length,
    p50: percentile(sample, 50),
    p95: percentile(sample, 95),
    p99: percentile(sample, 99),
    max: sample.length === 0 ? NaN : sample.reduce((a, b) => Math.max(a, b), -Infinity),
  };
}

/** The median of repeated measurements (the mean of the middle two for an even count); `NaN` when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Items per second for `count` items in `millis` milliseconds; `NaN` when no time passed. */
export function ratePerSecond(count: number, millis: number): number {
  return millis > 0 ? (count * 1000) / millis : NaN;
}

/** `value / reference`, or `NaN` when the reference is zero or not a number. */
export function ratio(value: number, reference: number): number {
  return Number.isFinite(reference) && reference !== 0 ? value / reference : NaN;
}

/**
 * The round whose subject/reference ratio is the median (the lower middle one for an even count): its index and
 * both values. Pairing within a round keeps what was measured back to back together when a shared machine drifts
 * between rounds. Undefined when there is no round.
 */
export function medianRound(
  subject: readonly number[],
  reference: readonly number[],
): { readonly index: number; readonly value: number; readonly reference: number } | undefined {
  const rounds = subject.map((value, index) => ({ index, value, reference: reference[index] ?? NaN }));
  const sorted = rounds.sort((a, b) => ratio(a.value, a.reference) - ratio(b.value, b.reference));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
