/**
 * The figures of one scenario's run, written as JSON under `.local/chaos-results/` by the scenario's `afterAll`;
 * `test/chaos/report.ts` turns every result file into `docs/reliability.md`.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where results and logs go. */
export const REPO_ROOT = join(__dirname, '../../..');
export const RESULTS_DIR = join(REPO_ROOT, '.local/chaos-results');
export const LOGS_DIR = join(REPO_ROOT, '.local/chaos-logs');

/** The figures of one scenario. */
export interface ScenarioResult {
  /** Stable id, also the file name: `bridge-killed`. */
  readonly id: string;
  /** Order in the report (the numbering). */
  readonly order: number;
  readonly title: string;
  /** True only when every assertion of the scenario held. */
  passed: boolean;
  /** ISO time the run ended. */
  finishedAt?: string;
  /** Wall-clock seconds of the whole scenario, servers included. */
  durationSeconds?: number;
  /** Messages published to the broker (or inputs fed to the handler). */
  messages?: number;
  /** Unique readings among them. */
  uniqueReadings?: number;
  /** Duplicate deliveries published on purpose. */
  duplicatesPublished?: number;
  /** Malformed messages published on purpose. */
  malformedPublished?: number;
  /** What was done to the pipeline, in words, and how many times. */
  faults?: string;
  faultCount?: number;
  /** Readings published but not stored, plus malformed messages not quarantined. */
  lost?: number;
  /** Rows beyond one per reading or per malformed message, and rows nobody published. */
  duplicatedRows?: number;
  /** Highest resident memory of a bridge process, MiB, and the bound asserted. */
  peakRssMiB?: number;
  rssBoundMiB?: number;
  /** Seconds from the end of the fault until the pipeline had caught up. */
  recoverySeconds?: number;
  /** Seconds to drain a backlog. */
  drainSeconds?: number;
  /** Anything else worth a line. */
  notes?: string[];
}

/** Creates the result object a scenario fills in as it goes. */
export function newResult(id: string, order: number, title: string): ScenarioResult {
  return { id, order, title, passed: false, notes: [] };
}

/** Writes a scenario's result and regenerates the report from every result present. */
export function saveResult(result: ScenarioResult, startedAt: number): void {
  result.finishedAt = new Date().toISOString();
  result.durationSeconds = Math.round((Date.now() - startedAt) / 100) / 10;
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${result.id}.json`), `${JSON.stringify(result, null, 2)}\n`);
  // Required lazily so a scenario's module graph stays small.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('../report') as typeof import('../report')).writeReport();
}

/** Log files of a scenario (for the report's notes). */
export function logFiles(prefix: string): string[] {
  try {
    return readdirSync(LOGS_DIR).filter((f) => f.startsWith(prefix));
  } catch {
    return [];
  }
}
