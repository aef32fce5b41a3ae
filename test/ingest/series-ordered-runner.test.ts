/** The batch runner: concurrent across series, ordered within one, stopping cleanly at the first failure. */
import { runSeriesOrdered } from '../../functions/ingest/series-ordered-runner';

interface Item {
  readonly key: string;
  readonly delayMillis: number;
  readonly fail?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tracker() {
  let active = 0;
  let peak = 0;
  const started: number[] = [];
  const finished: number[] = [];
  const work = async (item: Item, index: number) => {
    started.push(index);
    active++;
    peak = Math.max(peak, active);
    await sleep(item.delayMillis);
    active--;
    if (item.fail) throw new Error(`item ${index} failed`);
    finished.push(index);
    return `done ${index}`;
  };
  return { work, started, finished, peak: () => peak };
}

describe('runSeriesOrdered', () => {
  it('runs the records of one series one after another, in stream order, whatever their durations', async () => {
    // GIVEN interleaved series whose earlier records are slower
    const items: Item[] = Array.from({ length: 24 }, (_, i) => ({ key: `s${i % 3}`, delayMillis: 24 - i }));
    const t = tracker();
    // WHEN run with room for every series at once
    const run = await runSeriesOrdered(items, (i) => i.key, 8, t.work);
    // THEN each series finished in stream order, and everything completed
    for (const key of ['s0', 's1', 's2']) {
      const order = t.finished.filter((i) => items[i]?.key === key);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(run.incomplete).toEqual([]);
    expect(run.results[5]).toBe('done 5');
  });

  it('runs different series concurrently, never more than the limit', async () => {
    // GIVEN ten series of two records
    const items: Item[] = Array.from({ length: 20 }, (_, i) => ({ key: `s${i % 10}`, delayMillis: 5 }));
    const t = tracker();
    // WHEN run with a limit of 3
    await runSeriesOrdered(items, (i) => i.key, 3, t.work);
    // THEN three ran at once, never more
    expect(t.peak()).toBe(3);
  });

  it('fails a record and reports it, the rest of its series and every record not started', async () => {
    // GIVEN series a (records 0, 2, 4) and b (1, 3, 5), one at a time, record 2 failing
    const items: Item[] = [0, 1, 2, 3, 4, 5].map((i) => ({ key: i % 2 ? 'b' : 'a', delayMillis: 1, fail: i === 2 }));
    const t = tracker();
    // WHEN run
    const run = await runSeriesOrdered(items, (i) => i.key, 1, t.work);
    // THEN only record 0 completed; series b never started
    expect(t.finished).toEqual([0]);
    expect(run.incomplete).toEqual([1, 2, 3, 4, 5]);
    expect(run.errors.map((e) => e.index)).toEqual([2]);
  });

  it('fails one series and lets records in flight elsewhere finish, starting nothing new', async () => {
    // GIVEN series a fails fast at its first record while b's first record is slow
    const items: Item[] = [
      { key: 'a', delayMillis: 1, fail: true },
      { key: 'b', delayMillis: 30 },
      { key: 'a', delayMillis: 1 },
      { key: 'b', delayMillis: 1 },
      { key: 'c', delayMillis: 1 },
    ];
    const t = tracker();
    // WHEN run two series at a time
    const run = await runSeriesOrdered(items, (i) => i.key, 2, t.work);
    // THEN b's first record completed, nothing started after the failure
    expect(t.finished).toEqual([1]);
    expect(t.started.sort()).toEqual([0, 1]);
    expect(run.incomplete).toEqual([0, 2, 3, 4]);
  });

  it('completes an empty batch', async () => {
    const run = await runSeriesOrdered(
      [],
      () => 'k',
      4,
      async () => 1,
    );
    expect(run).toEqual({ results: [], incomplete: [], errors: [], outOfTime: false });
  });

  it.each([[0], [1.5], [-1]])('fails when the concurrency is %p', async (concurrency) => {
    await expect(
      runSeriesOrdered(
        [1],
        () => 'k',
        concurrency,
        async () => 1,
      ),
    ).rejects.toThrow(`concurrency must be a positive integer, got ${concurrency}`);
  });
});

describe('runSeriesOrdered out of time', () => {
  it('starts nothing once mayStart says no, finishes what runs, and lists the rest as incomplete', async () => {
    // GIVEN six items of three groups, one at a time, and time for three starts
    let starts = 0;
    const keys = ['a', 'b', 'c', 'a', 'b', 'c'];
    // WHEN they run
    const run = await runSeriesOrdered(
      keys,
      (k) => k,
      1,
      async (k) => k,
      () => starts++ < 3,
    );
    // THEN group a (items 0, 3) and item 1 of b completed; the rest is incomplete, and the run says why
    expect(run.outOfTime).toBe(true);
    expect(run.errors).toEqual([]);
    expect(run.incomplete).toEqual([2, 4, 5]);
  });
});
