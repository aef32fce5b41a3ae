import { median, medianRound, percentile, ratePerSecond, ratio, summarize } from '../../bench/support/stats';
import { makeFigure, meets, shortfall, type Target } from '../../bench/support/figures';
import { parseProcStatus } from '../../bench/support/proc-status';
import { markdownTable, textTable } from '../../bench/support/table';

describe('percentile (nearest rank)', () => {
  const sample = [15, 20, 35, 40, 50];
  it.each([
    [0, 15],
    [5, 15],
    [30, 20],
    [40, 20],
    [50, 35],
    [95, 50],
    [100, 50],
  ])('GIVEN [15, 20, 35, 40, 50] WHEN p%d THEN %d', (p, expected) => {
    expect(percentile(sample, p)).toBe(expected);
  });

  it('ignores the order of the sample', () => {
    expect(percentile([50, 15, 40, 20, 35], 50)).toBe(35);
  });

  it('is NaN for an empty sample', () => {
    expect(percentile([], 99)).toBeNaN();
  });

  it.each([-1, 101, NaN])('fails when p is %p', (p) => {
    expect(() => percentile([1], p)).toThrow(/between 0 and 100/);
  });

  it('takes p99 of 1..1000 as 990', () => {
    const s = summarize(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(s).toEqual({ count: 1000, p50: 500, p95: 950, p99: 990, max: 1000 });
  });
});

describe('median, rate and ratio', () => {
  it.each([
    [[3], 3],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[], NaN],
  ])('median of %p is %p', (values, expected) => {
    expect(median(values)).toEqual(expected);
  });

  it.each([
    [1000, 500, 2000],
    [10, 0, NaN],
  ])('%d items in %d ms is %p per second', (count, millis, expected) => {
    expect(ratePerSecond(count, millis)).toEqual(expected);
  });

  it.each([
    [50, 100, 0.5],
    [1, 0, NaN],
    [1, NaN, NaN],
  ])('%p / %p is %p', (value, reference, expected) => {
    expect(ratio(value, reference)).toEqual(expected);
  });
});

describe('targets', () => {
  it.each([
    [0.8, '>=', 0.8, true],
    [0.79, '>=', 0.8, false],
    [1, '<=', 1, true],
    [1.01, '<=', 1, false],
    [999, '<', 1000, true],
    [1000, '<', 1000, false],
    [NaN, '>=', 0, false],
  ] as const)('%p %s %p is %p', (actual, op, threshold, expected) => {
    expect(meets(actual, op, threshold)).toBe(expected);
  });

  it('says by how much a ratio target is missed', () => {
    const t: Target = { of: 'ratio', op: '>=', threshold: 0.8, text: '>= 80%' };
    expect(shortfall(0.6, t)).toBe('missed: 60% against 80% (25% short)');
    expect(shortfall(0.9, t)).toBe('');
  });

  it('says by how much an upper bound is exceeded', () => {
    const t: Target = { of: 'value', op: '<', threshold: 1000, text: '< 1 s' };
    expect(shortfall(1500, t)).toBe('missed: 1,500 against < 1,000 (50% over)');
  });

  it('GIVEN a figure with a reference WHEN completed THEN it carries the ratio, the verdict and the shortfall', () => {
    const f = makeFigure({
      id: 'x',
      benchmark: 'b',
      name: 'X',
      value: 40,
      unit: 'msg/s',
      reference: { name: 'A', value: 100 },
      target: { of: 'ratio', op: '>=', threshold: 0.5, text: '>= 50% of A' },
      note: 'setup',
    });
    expect(f.ratio).toBeCloseTo(0.4);
    expect(f.met).toBe(false);
    expect(f.note).toBe('missed: 40% against 50% (20% short); setup');
  });

  it('GIVEN a figure without a target THEN it has no verdict', () => {
    const f = makeFigure({ id: 'x', benchmark: 'b', name: 'X', value: 1, unit: 'u' });
    expect(f.met).toBeUndefined();
    expect(f.ratio).toBeUndefined();
  });
});

describe('tables', () => {
  const figures = [
    makeFigure({
      id: 'a',
      benchmark: 'b',
      name: 'A | pipe',
      value: 1234.5,
      unit: 'msg/s',
      reference: { name: 'ref', value: 2469 },
      target: { of: 'ratio', op: '>=', threshold: 0.8, text: '>= 80%' },
    }),
  ];

  it('prints one aligned row per figure', () => {
    const lines = textTable(figures).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('1,235 msg/s');
    expect(lines[2]).toContain('50%');
    expect(lines[2]).toMatch(/NO$/);
  });

  it('escapes pipes in Markdown cells', () => {
    expect(markdownTable(figures)).toContain('A \\| pipe');
  });
});

describe('parseProcStatus', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    const text = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
    expect(parseProcStatus(text)).toEqual({ rssBytes: 100 * 1024 * 1024, hwmBytes: 200 * 1024 * 1024 });
  });

  it('fails when a line is missing', () => {
    expect(() => parseProcStatus('Name:\tnode\n')).toThrow(/VmRSS|VmHWM/);
  });
});

describe('medianRound', () => {
  it.each([
    [[100], [200], { index: 0, value: 100, reference: 200 }],
    [[134, 107, 46], [100, 100, 100], { index: 1, value: 107, reference: 100 }],
    [[50, 90, 10, 40], [100, 100, 100, 100], { index: 3, value: 40, reference: 100 }],
    [[30, 60, 90], [10, 100, 100], { index: 2, value: 90, reference: 100 }],
  ])('GIVEN subject %p and reference %p THEN the median-ratio round is %p', (subject, reference, expected) => {
    expect(medianRound(subject, reference)).toEqual(expected);
  });

  it('is undefined without rounds', () => {
    expect(medianRound([], [])).toBeUndefined();
  });
});
