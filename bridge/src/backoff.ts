/** Exponential backoff with jitter, for reconnects and Kinesis retries. */

/** Bounds of an exponential backoff. */
export interface BackoffOptions {
  /** The delay after the first failure, in milliseconds. */
  readonly minMillis: number;
  /** The largest delay, in milliseconds. */
  readonly maxMillis: number;
}

/**
 * The delay before attempt `failures + 1`: `min * 2^(failures - 1)`, capped at `max`, then "equal jitter" (a uniform
 * draw in [d/2, d]) so that delays still grow visibly while many bridges do not retry in step.
 * `failures` = 0 gives 0 (no delay before a first attempt).
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const exp = Math.min(options.maxMillis, options.minMillis * 2 ** Math.min(failures - 1, 30));
  return Math.round(exp / 2 + (random() * exp) / 2);
}
