/**
 * The chart beside `docs/performance.md`, as SVG text, pure: one panel per Kinesis latency with the measured session
 * throughput against the broker window W (one line per round trip, points measured, dashed the bound
 * W / (L + RTT)), and a panel of lanes: throughput against N with the bound N x W / (L + RTT).
 */

/** One line of a panel. */
export interface Series {
  readonly label: string;
  readonly color: string;
  /** Measured points. */
  readonly points: readonly { readonly x: number; readonly y: number }[];
  /** The bound at the same x, drawn dashed. */
  readonly bound: readonly { readonly x: number; readonly y: number }[];
}

/** One panel. */
export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly series: readonly Series[];
}

/** Colours of the lines, in order. */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'] as const;

const W = 320;
const H = 260;
const M = { left: 56, right: 12, top: 28, bottom: 64 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A round axis maximum above `v`. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function panelSvg(panel: Panel, offsetX: number): string {
  const xs = [...new Set(panel.series.flatMap((s) => [...s.points, ...s.bound].map((p) => p.x)))].sort((a, b) => a - b);
  const yMax = niceMax(Math.max(1, ...panel.series.flatMap((s) => [...s.points, ...s.bound].map((p) => p.y))));
  const xMin = xs[0] ?? 0;
  const xMax = xs[xs.length - 1] ?? 1;
  const px = (x: number) => M.left + ((x - xMin) / (xMax - xMin || 1)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - (y / yMax) * (H - M.top - M.bottom);
  const out: string[] = [`<g transform="translate(${offsetX},0)">`];
  out.push(`<text x="${W / 2}" y="16" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${M.left - 4}" y="${py(y) + 4}" text-anchor="end">${Math.round(y).toLocaleString('en-US')}</text>`,
    );
  }
  for (const x of xs) {
    out.push(`<text x="${px(x)}" y="${H - M.bottom + 14}" text-anchor="middle">${x}</text>`);
  }
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 30}" text-anchor="middle">${esc(panel.xLabel)}</text>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${H - M.bottom}" stroke="#333"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}" stroke="#333"/>`,
  );
  const path = (pts: readonly { x: number; y: number }[]) =>
    pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
  panel.series.forEach((s, i) => {
    out.push(`<path d="${path(s.bound)}" fill="none" stroke="${s.color}" stroke-dasharray="4 3" opacity="0.7"/>`);
    out.push(`<path d="${path(s.points)}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points) out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3" fill="${s.color}"/>`);
    const ly = H - M.bottom + 44 + Math.floor(i / 2) * 12;
    const lx = M.left + (i % 2) * 130;
    out.push(
      `<line x1="${lx}" x2="${lx + 14}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${lx + 18}" y="${ly}">${esc(s.label)}</text>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

/** The SVG of `panels` side by side (messages per second on every y axis). */
export function chartSvg(panels: readonly Panel[], caption: string): string {
  const width = W * Math.max(1, panels.length);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 16}" viewBox="0 0 ${width} ${H + 16}" font-family="sans-serif" font-size="10">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels.map((p, i) => panelSvg(p, i * W)),
    `<text x="6" y="${H + 10}" fill="#555">${esc(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
