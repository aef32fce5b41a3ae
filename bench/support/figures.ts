/**
 * A benchmark figure: what was measured, beside the reference measured in the same run, their ratio, the target it is
 * judged by and whether it is met. This is the shape of every entry in `bench/results.json`.
 */
import { ratio } from './stats';

/** How a figure is judged. `of` says whether the ratio or the value itself is compared with `threshold`. */
export interface Target {
  readonly of: 'ratio' | 'value';
  readonly op: '>=' | '<=' | '<';
  readonly threshold: number;
  /** The target in words, as the issue states it. */
  readonly text: string;
}

/** A reference measured in the same run. */
export interface Reference {
  readonly name: string;
  readonly value: number;
}

/** One measured figure. */
export interface Figure {
  /** Stable identifier, e.g. `bridge.instant-sink`. */
  readonly id: string;
  /** The benchmark it belongs to, e.g. `bridge-overhead`. */
  readonly benchmark: string;
  /** What was measured, in words. */
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly reference?: Reference;
  /** `value / reference.value`, when there is a reference. */
  readonly ratio?: number;
  readonly target?: Target;
  /** Whether the target is met; absent when there is no target. */
  readonly met?: boolean;
  /** By how much a missed target is missed, in words; and anything else a reader must know. */
  readonly note?: string;
}

/** What a benchmark hands in before {@link makeFigure} computes the ratio and the verdict. */
export interface FigureInput {
  readonly id: string;
  readonly benchmark: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly reference?: Reference;
  readonly target?: Target;
  readonly note?: string;
}

/** Whether `actual` satisfies `op threshold`; false for `NaN`. */
export function meets(actual: number, op: Target['op'], threshold: number): boolean {
  if (!Number.isFinite(actual)) return false;
  switch (op) {
    case '>=':
      return actual >= threshold;
    case '<=':
      return actual <= threshold;
    case '<':
      return actual < threshold;
  }
}

/** How far a missed target is from being met, in words (empty when met). */
export function shortfall(actual: number, target: Target): string {
  if (meets(actual, target.op, target.threshold)) return '';
  if (!Number.isFinite(actual)) return 'not measured';
  const fmt = (n: number) => (target.of === 'ratio' ? `${(n * 100).toFixed(0)}%` : formatNumber(n));
  if (target.op === '>=') {
    const pct = ((target.threshold - actual) / target.threshold) * 100;
    return `missed: ${fmt(actual)} against ${fmt(target.threshold)} (${pct.toFixed(0)}% short)`;
  }
  const pct = ((actual - target.threshold) / (target.threshold || 1)) * 100;
  return `missed: ${fmt(actual)} against ${target.op} ${fmt(target.threshold)} (${pct.toFixed(0)}% over)`;
}

/** Completes a figure: ratio to its reference, verdict against its target, shortfall in the note. */
export function makeFigure(input: FigureInput): Figure {
  const r = input.reference ? ratio(input.value, input.reference.value) : undefined;
  let met: boolean | undefined;
  let note = input.note;
  if (input.target) {
    const actual = input.target.of === 'ratio' ? (r ?? NaN) : input.value;
    met = meets(actual, input.target.op, input.target.threshold);
    const miss = shortfall(actual, input.target);
    if (miss) note = note ? `${miss}; ${note}` : miss;
  }
  return {
    ...input,
    ...(r !== undefined ? { ratio: r } : {}),
    ...(met !== undefined ? { met } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

/** A number for a table: integers with thousands separators, small numbers with 3 significant digits. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const abs = Math.abs(n);
  if (abs >= 100) return Math.round(n).toLocaleString('en-US');
  if (abs === 0) return '0';
  return Number(n.toPrecision(3)).toString();
}
