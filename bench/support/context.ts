/** What every benchmark is given and hands back. */
import type { Figure } from './figures';

/** The run's settings. */
export interface BenchContext {
  /** `--quick`: small counts, one round, the whole run within two minutes. */
  readonly quick: boolean;
  /** A progress line on stderr (stdout carries the table). */
  log(message: string): void;
}

/** A benchmark's figures, and the measurements other reports (the cost page) are built from. */
export interface BenchOutput {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

/** A benchmark. */
export type Benchmark = (ctx: BenchContext) => Promise<BenchOutput>;
