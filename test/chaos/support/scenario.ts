/**
 * Steps shared by the data scenarios: waiting until the pipeline has caught up and the books balance, sampling every
 * bridge's memory, and checking that no log written by the scenario holds a password.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeedBooks } from '../../../local/simulator/books';
import type { StreamPoller, StreamPollerStats } from '../../../local/stream-poller';
import { auditTables, type AuditReport } from './audit';
import type { BridgeProcess } from './bridge-process';
import { LOGS_DIR, logFiles } from './results';
import { sampleRss, type RssSampler } from './rss';
import { waitForSettled, type SettleOutcome } from './settle';
import { TABLES, type World } from './world';

/**
 * Waits until the poller has caught up and the tables match the books; gives up once the poller processed no record for
 * a minute (the books are short and nothing moves: a loss) or after `capMillis` in all (see settle.ts).
 */
export async function settle(
  world: World,
  poller: StreamPoller,
  books: readonly FeedBooks[],
  capMillis: number,
): Promise<{ audit: AuditReport; settledAt: number; outcome: SettleOutcome }> {
  return waitForSettled(
    {
      progress: () => poller.stats().recordsProcessed,
      caughtUp: (ms) => poller.waitUntilCaughtUp(ms),
      audit: () => auditTables(world.ddbDirect!, TABLES, books),
    },
    { capMillis },
  );
}

/** One line of the poller's counters, for the report's notes. */
export function pollerSummary(s: StreamPollerStats): string {
  return (
    `poller: ${s.recordsProcessed} records processed in ${s.invocations} invocations, ${s.partialFailures} partial ` +
    `failures, ${s.functionErrors} function errors, ${s.retries} retries, ${s.recordsSkipped} records skipped`
  );
}

/** Samples the memory of every bridge of a scenario; `peakMiB` is the highest over all of them. */
export class RssWatch {
  private readonly samplers: RssSampler[] = [];

  watch(bridge: BridgeProcess): BridgeProcess {
    this.samplers.push(sampleRss(bridge.pid, 200));
    return bridge;
  }

  /** Highest resident memory seen, in bytes. */
  peakBytes(): number {
    return Math.max(0, ...this.samplers.map((s) => s.peakBytes));
  }

  stop(): void {
    for (const s of this.samplers) s.stop();
  }
}

/** Lines of the log files under `.local/chaos-logs/` whose name starts with `prefix` that contain a secret. */
export function linesWithSecrets(prefix: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of logFiles(prefix)) {
    const text = readFileSync(join(LOGS_DIR, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (secrets.some((s) => s !== '' && line.includes(s))) found.push(`${file}:${i + 1}: ${line.slice(0, 200)}`);
    });
  }
  return found;
}

/** A deterministic pseudo-random number generator (mulberry32), for reproducible fault timing. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Milliseconds to seconds with one decimal. */
export function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** Waits `ms`; the timer does not keep the process alive (a race against it must not hold Jest open). */
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
