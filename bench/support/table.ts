/** The figures as a plain-text table for stdout and as a Markdown table for `docs/performance.md`. Pure. */
import { formatNumber, type Figure } from './figures';

/** The columns of both tables. */
export const COLUMNS = ['Figure', 'Value', 'Reference', 'Ratio', 'Target', 'Met'] as const;

/** One figure as the cells of a row. */
export function rowOf(f: Figure): string[] {
  return [
    f.name,
    `${formatNumber(f.value)} ${f.unit}`,
    f.reference ? `${formatNumber(f.reference.value)} (${f.reference.name})` : '-',
    f.ratio === undefined || !Number.isFinite(f.ratio)
      ? '-'
      : f.ratio >= 10
        ? `${Math.round(f.ratio).toLocaleString('en-US')}x`
        : `${(f.ratio * 100).toFixed(0)}%`,
    f.target ? f.target.text : '-',
    f.met === undefined ? '-' : f.met ? 'yes' : 'NO',
  ];
}

/** An aligned plain-text table. */
export function textTable(figures: readonly Figure[]): string {
  const rows = [[...COLUMNS], ...figures.map(rowOf)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** A Markdown table (pipes in cells escaped). */
export function markdownTable(figures: readonly Figure[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const line = (r: readonly string[]) => `| ${r.map(esc).join(' | ')} |`;
  return [line(COLUMNS), line(COLUMNS.map(() => '---')), ...figures.map((f) => line(rowOf(f)))].join('\n');
}
