/**
 * When a scenario stops waiting for the tables: once the books balance, or once the pipeline has stopped making
 * progress while they do not, or at a cap. How fast DynamoDB Local stores a backlog is the machine's business (the same
 * scenario 5 settled in 108 s on one run and would have needed more than 500 s on a slower machine of the same kind),
 * and speed is measured by the benchmarks, never asserted here; what the scenario proves is that nothing is lost.
 * A lost record still fails fast: the poller catches up, the books stay short, no record moves for `stallMillis`.
 */

/** What the loop reads from the world. */
export interface SettleProbes<A extends { readonly balanced: boolean }> {
  /** Records processed so far (any count that grows while the pipeline moves). */
  progress(): number;
  /** Resolves true once the pipeline has nothing left to read, false after `timeoutMillis`. */
  caughtUp(timeoutMillis: number): Promise<boolean>;
  /** Compares the tables with the books. */
  audit(): Promise<A>;
  /** @default Date.now */
  now?(): number;
  /** @default a timer */
  sleep?(ms: number): Promise<void>;
}

/** The limits of one wait. */
export interface SettleLimits {
  /** Give up once no record was processed for this long while the books do not balance. @default 60_000 */
  readonly stallMillis?: number;
  /** Give up after this long in all, progress or not. */
  readonly capMillis: number;
}

/** How a wait ended: `balanced`, or why it gave up. */
export type SettleOutcome = 'balanced' | 'stalled' | 'cap';

/** Default {@link SettleLimits.stallMillis}: longer than any retry backoff of the chaos world (bridge 5 s, MQTT 2 s). */
export const DEFAULT_STALL_MILLIS = 60_000;

/** Waits as the module comment says; returns the last audit, when the wait ended and why. */
export async function waitForSettled<A extends { readonly balanced: boolean }>(
  probes: SettleProbes<A>,
  limits: SettleLimits,
): Promise<{ audit: A; settledAt: number; outcome: SettleOutcome }> {
  const now = probes.now ?? Date.now;
  const sleep = probes.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const stallMillis = limits.stallMillis ?? DEFAULT_STALL_MILLIS;
  const cap = now() + limits.capMillis;
  let lastProgress = probes.progress();
  let lastMovedAt = now();
  for (;;) {
    const stallAt = lastMovedAt + stallMillis;
    const left = Math.min(cap, stallAt) - now();
    const caughtUp = await probes.caughtUp(Math.max(1000, Math.min(left, 20_000)));
    const progress = probes.progress();
    if (progress !== lastProgress) {
      lastProgress = progress;
      lastMovedAt = now();
    }
    const outcome: SettleOutcome | undefined =
      now() >= cap ? 'cap' : now() >= lastMovedAt + stallMillis ? 'stalled' : undefined;
    if (caughtUp || outcome) {
      const audit = await probes.audit();
      if (audit.balanced) return { audit, settledAt: now(), outcome: 'balanced' };
      if (outcome) return { audit, settledAt: now(), outcome };
    }
    await sleep(1000);
  }
}
