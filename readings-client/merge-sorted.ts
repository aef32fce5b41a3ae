/**
 * Merging sorted async sequences into one sorted sequence: the quarantine's spread index is read as 16 (or 17, with
 * the legacy index) queries, each in sort-key order, and handed out as one list in that order.
 */

/**
 * Yields the items of every source in ascending `compare` order, given each source is itself in that order. The
 * first item of every source is asked for at once, so the sources' first pages are fetched in parallel.
 */
export async function* mergeSorted<T>(
  sources: readonly AsyncIterator<T>[],
  compare: (a: T, b: T) => number,
): AsyncGenerator<T, void, undefined> {
  const heads = await Promise.all(sources.map((s) => s.next()));
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (h.done) continue;
      if (best < 0 || compare(h.value, (heads[best] as IteratorYieldResult<T>).value) < 0) best = i;
    }
    if (best < 0) return;
    yield (heads[best] as IteratorYieldResult<T>).value;
    heads[best] = await sources[best]!.next();
  }
}
