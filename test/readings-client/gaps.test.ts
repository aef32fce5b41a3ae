import fc from 'fast-check';
import { findGaps, inferCadence, type GapInput } from '../../readings-client/gaps';
import { InvalidArgumentError } from '../../readings-client/errors';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const MIN = 60_000;
const at = (minutes: number, jitterMillis = 0) => new Date(T0 + minutes * MIN + jitterMillis).toISOString();

/** v1 readings at the given minutes. */
const v1 = (...minutes: number[]): GapInput[] => minutes.map((m) => ({ readingTime: at(m) }));
/** v2 readings of `length` minutes ending at the given minutes. */
const v2 = (length: number, ...ends: number[]): GapInput[] =>
  ends.map((m) => ({ readingTime: at(m), intervalStart: at(m - length) }));

describe('inferCadence', () => {
  it.each([
    ['v2: the interval length', v2(15, 15, 30, 45, 90), 15 * MIN, 'intervals'],
    ['v1: the most common spacing', v1(0, 1, 2, 3, 6, 7), MIN, 'spacing'],
    ['v1: holes do not outvote the cadence', v1(0, 5, 10, 30, 50, 55), 5 * MIN, 'spacing'],
    ['v1: a tie goes to the shorter spacing', v1(0, 1, 3), MIN, 'spacing'],
    ['one v1 reading: unknown', v1(0), undefined, 'unknown'],
    ['no readings: unknown', [], undefined, 'unknown'],
  ])('%s', (_name, readings, millis, source) => {
    expect(inferCadence(readings)).toEqual({ millis, source });
  });

  it('ignores millisecond jitter in v1 reading times', () => {
    // GIVEN readings one minute apart, give or take a few hundred milliseconds
    const readings = [0, 1, 2, 3, 4].map((m, i) => ({ readingTime: at(m, [0, 120, -80, 300, 40][i]) }));
    // THEN the cadence is close to one minute
    const { millis } = inferCadence(readings);
    expect(Math.abs(millis! - MIN)).toBeLessThan(500);
  });
});

describe('findGaps', () => {
  it.each<[string, GapInput[], { from?: string; to?: string }, { from: string; to: string; missing: number }[]]>([
    ['v1 complete', v1(0, 1, 2, 3, 4), {}, []],
    ['v1 complete over its range', v1(0, 1, 2, 3, 4), { from: at(0), to: at(4) }, []],
    ['v1 one hole', v1(0, 1, 2, 4, 5), {}, [{ from: at(2), to: at(4), missing: 1 }]],
    [
      'v1 two holes',
      v1(0, 1, 4, 5, 6, 8),
      {},
      [
        { from: at(1), to: at(4), missing: 2 },
        { from: at(6), to: at(8), missing: 1 },
      ],
    ],
    ['v1 missing at the start of the range', v1(3, 4, 5), { from: at(0) }, [{ from: at(0), to: at(3), missing: 3 }]],
    ['v1 missing at the end of the range', v1(0, 1, 2), { to: at(5) }, [{ from: at(2), to: at(5), missing: 3 }]],
    ['v1 range end short of the next reading', v1(0, 1, 2), { to: at(2.9) }, []],
    ['v2 complete', v2(15, 15, 30, 45, 60), {}, []],
    ['v2 complete over its range', v2(15, 15, 30, 45, 60), { from: at(15), to: at(60) }, []],
    ['v2 one hole', v2(15, 15, 30, 60, 75), {}, [{ from: at(30), to: at(45), missing: 1 }]],
    ['v2 a long hole', v2(1, 1, 2, 10), {}, [{ from: at(2), to: at(9), missing: 7 }]],
    [
      'v2 a hole shorter than the cadence',
      [...v2(15, 15), { readingTime: at(40), intervalStart: at(25) }],
      {},
      [{ from: at(15), to: at(25), missing: 1 }],
    ],
    ['v2 overlapping intervals are not a gap', [...v2(15, 15), { readingTime: at(25), intervalStart: at(10) }], {}, []],
    ['no readings', [], { from: at(0), to: at(10) }, []],
  ])('%s', (_name, readings, range, gaps) => {
    // WHEN
    const report = findGaps(readings, range);
    // THEN
    expect(report.gaps).toEqual(gaps);
    expect(report.missing).toBe(gaps.reduce((s, g) => s + g.missing, 0));
    expect(report.readings).toBe(readings.length);
  });

  it('reports completeness, cadence and the first and last reading', () => {
    // GIVEN 8 of 10 one-minute readings
    const report = findGaps(v1(0, 1, 2, 3, 6, 7, 8, 9));
    // THEN
    expect(report).toMatchObject({
      readings: 8,
      missing: 2,
      completeness: 0.8,
      cadenceMillis: MIN,
      cadenceSource: 'spacing',
      first: at(0),
      last: at(9),
    });
  });

  it('takes readings in any order', () => {
    expect(findGaps(v1(5, 0, 4, 1, 2)).gaps).toEqual([{ from: at(2), to: at(4), missing: 1 }]);
  });

  it('uses a given cadence over the inferred one', () => {
    // GIVEN readings every 2 minutes, expected every minute
    const report = findGaps(v1(0, 2, 4), { cadenceMillis: MIN });
    // THEN every other reading is missing
    expect(report.missing).toBe(2);
    expect(report.cadenceSource).toBe('given');
  });

  it('names no gaps when the cadence cannot be inferred', () => {
    const report = findGaps(v1(5), { from: at(0), to: at(10) });
    expect(report).toMatchObject({ gaps: [], cadenceMillis: undefined, cadenceSource: 'unknown', completeness: 1 });
  });

  it('fails when from is after to', () => {
    expect(() => findGaps(v1(0, 1), { from: at(2), to: at(1) })).toThrow(InvalidArgumentError);
  });

  it('fails on a time that is not ISO 8601', () => {
    expect(() => findGaps(v1(0, 1), { from: 'yesterday' })).toThrow('from must be an ISO 8601 time, got "yesterday"');
  });
});

describe('findGaps, property', () => {
  it('finds exactly the readings removed from a regular series, v1 and v2', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3600 }), // cadence, seconds
        fc.integer({ min: 3, max: 60 }), // readings in the complete series
        fc.boolean(), // v2 or v1
        fc.array(fc.nat(), { maxLength: 20 }), // which interior readings to remove
        (cadenceSeconds, n, intervals, picks) => {
          // GIVEN a complete series with some interior readings removed (the first two stay, so the cadence is seen)
          const cadence = cadenceSeconds * 1000;
          const removed = new Set(picks.map((p) => 2 + (p % (n - 2))));
          const kept = Array.from({ length: n }, (_, i) => i).filter((i) => !removed.has(i));
          // v1 infers the cadence from the most common spacing: holes must not outvote it (v2 states its intervals)
          const spacings = new Map<number, number>();
          for (let k = 1; k < kept.length; k++) {
            const s = kept[k]! - kept[k - 1]!;
            spacings.set(s, (spacings.get(s) ?? 0) + 1);
          }
          const regular = spacings.get(1) ?? 0;
          fc.pre(intervals || [...spacings].every(([s, count]) => s === 1 || count < regular));
          const readings: GapInput[] = kept.map((i) => ({
            readingTime: new Date(T0 + i * cadence).toISOString(),
            ...(intervals ? { intervalStart: new Date(T0 + (i - 1) * cadence).toISOString() } : {}),
          }));
          // WHEN
          const report = findGaps(readings, { from: new Date(T0), to: new Date(T0 + (n - 1) * cadence) });
          // THEN
          expect(report.cadenceMillis).toBe(cadence);
          expect(report.missing).toBe(removed.size);
          expect(report.completeness).toBeCloseTo(kept.length / n);
        },
      ),
    );
  });
});
