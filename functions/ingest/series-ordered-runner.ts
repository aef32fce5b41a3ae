/**
 * Running a batch concurrently but bounded, keeping each series in stream order, and stopping cleanly on failure.
 *
 * Records are grouped by a key (the series key for readings; each rejected record is a group of its own). Up to
 * `concurrency` groups run at once; each group runs its records one after another, in stream order, so two
 * deliveries of one series are written in the order they arrived (the first delivered value wins a conflict).
 *
 * On the first failure no new record is started anywhere; records already in flight finish. The result lists every
 * record that did not complete: the failed one, the rest of its group, and every record not yet started. That is
 * the set to report to Lambda. With `ReportBatchItemFailures`, Lambda checkpoints just before the lowest reported
 * sequence number and redelivers everything from there, including later records that were written by other groups
 * in the meantime: those come back as duplicates and are skipped. Nothing unwritten is ever reported as done, and
 * nothing is skipped.
 *
 * Before each record it asks `mayStart` (the handler's deadline: is there time left for the worst case of one
 * record?). On the first no, it stops the same way: records in flight finish, nothing new starts, and every record not
 * completed is in the result.
 */

/** The outcome of {@link runSeriesOrdered}. */
export interface SeriesOrderedRun<R> {
  /** Each item's result by index; undefined for an item that did not complete. */
  readonly results: ReadonlyArray<R | undefined>;
  /** Indexes of items that did not complete (failed or never started), ascending. */
  readonly incomplete: readonly number[];
  /** The failures, in the order they happened. */
  readonly errors: ReadonlyArray<{ readonly index: number; readonly error: unknown }>;
  /** True when `mayStart` said no: the run stopped for lack of time. */
  readonly outOfTime: boolean;
}

/** Runs `work` over `items`: groups by `keyOf` concurrently (at most `concurrency`), each group in order. */
export async function runSeriesOrdered<T, R>(
  items: readonly T[],
  keyOf: (item: T, index: number) => string,
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  mayStart: () => boolean = () => true,
): Promise<SeriesOrderedRun<R>> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  // groups in the order of their first record, so the earliest records start first
  const groups = new Map<string, number[]>();
  items.forEach((item, index) => {
    const key = keyOf(item, index);
    const group = groups.get(key);
    if (group) group.push(index);
    else groups.set(key, [index]);
  });
  const queue = [...groups.values()];
  const results: (R | undefined)[] = new Array<R | undefined>(items.length).fill(undefined);
  const done: boolean[] = new Array<boolean>(items.length).fill(false);
  const errors: { index: number; error: unknown }[] = [];
  let stopped = false;
  let outOfTime = false;

  const worker = async (): Promise<void> => {
    for (let group = queue.shift(); group && !stopped; group = queue.shift()) {
      for (const index of group) {
        if (stopped) return;
        if (!mayStart()) {
          stopped = true;
          outOfTime = true;
          return;
        }
        try {
          results[index] = await work(items[index] as T, index);
          done[index] = true;
        } catch (error) {
          errors.push({ index, error });
          stopped = true;
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  const incomplete = done.flatMap((ok, index) => (ok ? [] : [index]));
  return { results, incomplete, errors, outOfTime };
}
