/**
 * The frame every chaos scenario file stands in, so that a file holds only what differs (the fault, the feed, the
 * checks): its result record, the memory watch over its bridges, its world (named after the scenario) and its
 * teardown. `defineScenario` registers the `afterAll` that stops the memory watch, stops everything the scenario
 * started (even when it failed half-way) and saves the result for `docs/reliability.md`.
 *
 * ```ts
 * const scenario = defineScenario({ id: 'bridge-killed', order: 1, title: 'Bridge killed' });
 * it('loses nothing ...', async () => {
 *   const world = await scenario.world();
 *   ...
 *   scenario.record([books], audit);
 *   await scenario.pass(world, bridge);
 * });
 * ```
 */
import type { BooksSummary } from '../../../local/simulator/books';
import type { StreamPoller } from '../../../local/stream-poller';
import type { AuditReport } from './audit';
import type { BridgeProcess } from './bridge-process';
import { stopEverything } from './children';
import { newResult, saveResult, type ScenarioResult } from './results';
import { mib } from './rss';
import { linesWithSecrets, RssWatch } from './scenario';
import { startTables, startWorld, type World, type WorldOptions } from './world';

/** What names a scenario. */
export interface ScenarioIdentity {
  /** Stable id: names the result file, the logs and the world. */
  readonly id: string;
  /** Order in the report (the numbering). */
  readonly order: number;
  readonly title: string;
}

/** Options for {@link defineScenario}. */
export interface ScenarioFrameOptions {
  /** Runs in `afterAll` after everything stopped and before the result is saved. @default - nothing */
  readonly beforeSave?: (result: ScenarioResult) => void;
}

/** One scenario file's frame. */
export interface ScenarioFrame {
  readonly id: string;
  /** The result the scenario fills in as it goes; saved in `afterAll`. */
  readonly result: ScenarioResult;
  /** Samples the memory of every bridge passed to `rss.watch`. */
  readonly rss: RssWatch;
  /** Starts this scenario's world (mosquitto, kinesalite, DynamoDB Local, proxies), stopped in `afterAll`. */
  world(options?: Omit<WorldOptions, 'id'>): Promise<World>;
  /**
   * The usual GIVEN of a data scenario: this scenario's world, the stream poller calling the real handler, and a
   * bridge (its memory watched) subscribed at the broker.
   */
  pipeline(options?: {
    /** Bridge environment overrides (tuning). @default - none */
    readonly bridgeEnv?: Record<string, string>;
    readonly world?: Omit<WorldOptions, 'id'>;
  }): Promise<{ readonly world: World; readonly poller: StreamPoller; readonly bridge: BridgeProcess }>;
  /** Starts a bridge in `world`, watches its memory and waits (30 s at most) until it has subscribed. */
  subscribedBridge(world: World, bridgeEnv?: Record<string, string>): Promise<BridgeProcess>;
  /** Starts DynamoDB Local with the two tables alone (for a handler-only scenario), stopped in `afterAll`. */
  tables(): ReturnType<typeof startTables>;
  /**
   * Records what the feed published and what the audit found: messages, unique readings, duplicates and malformed
   * published, readings lost, rows duplicated, and the peak memory of the watched bridges.
   */
  record(books: readonly BooksSummary[], audit: AuditReport): void;
  /**
   * The last step of a data scenario: stops `bridges` with SIGTERM, checks that no log this scenario wrote holds a
   * password of `world`, and marks the result passed.
   */
  pass(world: World, ...bridges: readonly BridgeProcess[]): Promise<void>;
}

/** Defines the frame of the scenario in this file and registers its teardown (`afterAll`). */
export function defineScenario(identity: ScenarioIdentity, options: ScenarioFrameOptions = {}): ScenarioFrame {
  const result = newResult(identity.id, identity.order, identity.title);
  const startedAt = Date.now();
  const rss = new RssWatch();
  afterAll(async () => {
    rss.stop();
    await stopEverything();
    options.beforeSave?.(result);
    saveResult(result, startedAt);
  });
  const sum = (books: readonly BooksSummary[], of: (b: BooksSummary) => number) =>
    books.reduce((total, b) => total + of(b), 0);
  const frame: ScenarioFrame = {
    id: identity.id,
    result,
    rss,
    world: (worldOptions = {}) => startWorld({ ...worldOptions, id: identity.id }),
    tables: () => startTables(identity.id),
    async pipeline(pipelineOptions = {}) {
      const world = await frame.world(pipelineOptions.world);
      const poller = await world.startPoller();
      const bridge = await frame.subscribedBridge(world, pipelineOptions.bridgeEnv);
      return { world, poller, bridge };
    },
    async subscribedBridge(world, bridgeEnv = {}) {
      const bridge = rss.watch(await world.startBridge(bridgeEnv));
      await bridge.waitForStatus((s) => s.subscribed, 30_000, 'subscribed');
      return bridge;
    },
    record(books, audit) {
      result.messages = sum(books, (b) => b.published);
      result.uniqueReadings = sum(books, (b) => b.unique);
      result.duplicatesPublished = sum(books, (b) => b.duplicatesPublished);
      result.malformedPublished = sum(books, (b) => b.malformed.total);
      result.lost = audit.lost;
      result.duplicatedRows = audit.extraRows;
      result.peakRssMiB = mib(rss.peakBytes());
    },
    async pass(world, ...bridges) {
      await Promise.all(bridges.map((b) => b.kill('SIGTERM')));
      expect(linesWithSecrets(`${identity.id}-`, world.secrets)).toEqual([]);
      result.passed = true;
    },
  };
  return frame;
}
