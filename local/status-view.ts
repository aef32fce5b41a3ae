/**
 * The live status of `npm start`, pure: a snapshot of the counters in, text out. On a terminal it is one block,
 * redrawn in place ({@link renderBlock}); otherwise one plain line per report ({@link renderLine}).
 */

/** What the status shows. */
export interface StatusSnapshot {
  readonly elapsedMillis: number;
  /** Messages the broker acknowledged to the simulator (undefined without a simulator). */
  readonly published?: number;
  /** PUBLISH packets the bridge received. */
  readonly received: number;
  /** Records the bridge wrote to Kinesis. */
  readonly written: number;
  /** Messages the bridge holds, not yet acknowledged. */
  readonly pending: number;
  readonly stored: number;
  readonly duplicates: number;
  readonly conflicts: number;
  readonly quarantined: number;
  readonly quarantinedByReason: Readonly<Record<string, number>>;
  /** Records written to the stream and not yet processed by the ingest handler. */
  readonly streamBacklog: number;
  /** Largest MillisBehindLatest over the shards. */
  readonly millisBehindLatest: number;
  /** The target of `--count`, for the progress bar. */
  readonly count?: number;
  /** The length of `--duration`, in milliseconds. */
  readonly durationMillis?: number;
  /** `running`, `draining`, `stopping`. */
  readonly phase: string;
}

const n = (x: number) => x.toLocaleString('en-US');

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** The ingest's outcomes for a message: stored, skipped as a duplicate, or quarantined. */
export function settled(s: StatusSnapshot): number {
  return s.stored + s.duplicates + s.quarantined;
}

/** A progress bar `[#####.....]  50%` of `done` out of `total`. */
export function progressBar(done: number, total: number, width = 30): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(fraction * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(fraction * 100)).padStart(3)}%`;
}

/** The status as a block of lines for a terminal. */
export function renderBlock(s: StatusSnapshot): string[] {
  const reasons = Object.entries(s.quarantinedByReason)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, c]) => `${r} ${c}`);
  const reasonLines: string[] = [];
  for (let i = 0; i < reasons.length; i += 4)
    reasonLines.push(`                      ${reasons.slice(i, i + 4).join(', ')}`);
  const limit =
    s.count !== undefined
      ? `  ${progressBar(settled(s), s.count)} of ${n(s.count)} messages`
      : s.durationMillis !== undefined
        ? `  ${progressBar(s.elapsedMillis, s.durationMillis)} of ${seconds(s.durationMillis)}`
        : '  (until Ctrl-C)';
  return [
    `meter readings, local pipeline: ${s.phase}, ${seconds(s.elapsedMillis)}${limit}`,
    `  published          ${s.published === undefined ? '-' : n(s.published)}`,
    `  bridge received    ${n(s.received)}   written to Kinesis ${n(s.written)}   pending ${n(s.pending)}`,
    `  readings stored    ${n(s.stored)}`,
    `  duplicates         ${n(s.duplicates)}   conflicts ${n(s.conflicts)}`,
    `  quarantined        ${n(s.quarantined)}`,
    ...reasonLines,
    `  lag                ${n(s.streamBacklog)} records on the stream, ${n(s.millisBehindLatest)} ms behind`,
  ];
}

/** The status as one plain line. */
export function renderLine(s: StatusSnapshot): string {
  const progress = s.count !== undefined ? ` ${Math.floor((100 * settled(s)) / Math.max(1, s.count))}%` : '';
  return (
    `[${seconds(s.elapsedMillis)}] ${s.phase}${progress}: published ${s.published ?? '-'}, received ${s.received}, ` +
    `written ${s.written}, stored ${s.stored}, duplicates ${s.duplicates}, conflicts ${s.conflicts}, ` +
    `quarantined ${s.quarantined}, lag ${s.streamBacklog} records / ${s.millisBehindLatest} ms`
  );
}

/** Draws a block in place on a terminal: each call overwrites the previous block. */
export class BlockWriter {
  private last: readonly string[] = [];

  constructor(private readonly write: (text: string) => void) {}

  /** Replaces the previous block with `lines`. */
  draw(lines: readonly string[]): void {
    this.write(`${this.erase()}${lines.join('\n')}\n`);
    this.last = lines;
  }

  /** Prints a line above the block (a log line while the status shows), then the block again. */
  above(line: string): void {
    if (this.last.length === 0) return this.write(`${line}\n`);
    this.write(`${this.erase()}${line}\n${this.last.join('\n')}\n`);
  }

  // Cursor up to the block's first line and clear to the end of the screen.
  private erase(): string {
    return this.last.length > 0 ? `\x1b[${this.last.length}F\x1b[0J` : '';
  }
}
