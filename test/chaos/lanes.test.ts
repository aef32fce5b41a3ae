/**
 * Scenario 11, lanes: one bridge holds a feed as two sessions (lanes), split by filters (one subscription id each,
 * `MQTT_LANE_TOPICS`). Two faults: the bridge holding both lanes is SIGKILLed mid-stream, repeatedly; and one lane's
 * connection alone is cut while the other keeps flowing. Each lane resumes its own persistent session; nothing may
 * be lost, and each lane's PUBACKs stay in order on its connection.
 */
import { expectBooksBalanced } from './support/audit';
import type { BridgeProcess } from './support/bridge-process';
import { pollerSummary, seconds, seeded, settle, sleep } from './support/scenario';
import { defineScenario } from './support/define-scenario';
import { CUSTOMER, type World } from './support/world';
import type { Simulator } from '../../local/simulator/publisher';

const PER_LANE = 4_000;
const MIN_KILLS = 3;
const MIN_CUTS = 3;
const SUBSCRIPTIONS = ['sub-a', 'sub-b'] as const;
/** Two lanes, one subscription id each: the split of docs/deploy.md, "Lanes". */
const LANES_ENV = {
  MQTT_TOPICS: '',
  MQTT_LANE_TOPICS: SUBSCRIPTIONS.map((s) => `meters/outbound/${CUSTOMER}/${s}/#`).join(';'),
  BRIDGE_MAX_PENDING_MESSAGES: '2000',
};
const scenario = defineScenario({ id: 'lanes', order: 11, title: 'Lanes' });
const { result } = scenario;

/**
 * Both lanes' feeds: the same meters at other times (another year), so their readings never collide. Without
 * malformed messages: the feed's malformed topics include ones outside every lane's filter (an empty subscription
 * level), which a split by filters never subscribes to, so the broker never sends them (docs/deploy.md, "Lanes");
 * quarantining poison is scenario 6's.
 */
async function publishBothLanes(world: World, seed: number): Promise<Simulator[]> {
  return Promise.all(
    SUBSCRIPTIONS.map((subscriptionId, i) =>
      world.publish({
        count: PER_LANE,
        ratePerSecond: 500,
        feed: { seed: seed + i, subscriptionId, startTime: `${2026 + i}-01-01T00:00:00.000Z`, malformedShare: 0 },
      }),
    ),
  );
}

/** The lanes' client ids, as the bridge names them (`core/lanes.ts`). */
const laneIds = (world: World) => SUBSCRIPTIONS.map((_, i) => `${world.bridgeEnv().MQTT_CLIENT_ID}-${i + 1}`);

describe('scenario 11: a bridge holding two lanes', () => {
  const notes: string[] = [];
  afterAll(() => {
    result.notes!.push(...notes);
  });

  it(`loses nothing when the bridge holding both lanes is SIGKILLed mid-stream, at least ${MIN_KILLS} times`, async () => {
    // GIVEN a bridge holding two lanes, each lane's feed publishing
    const pipeline = await scenario.pipeline({ bridgeEnv: LANES_ENV });
    const { world, poller } = pipeline;
    let bridge: BridgeProcess = pipeline.bridge;
    const simulators = await publishBothLanes(world, 301);
    let published = false;
    void Promise.all(simulators.map((s) => s.finished)).then(() => (published = true));

    // WHEN the bridge is killed at random moments while both lanes forward, and restarted each time
    const random = seeded(11);
    let kills = 0;
    let lastRestart = Date.now();
    while (!published || kills < MIN_KILLS) {
      await sleep(500 + random() * 1500);
      await bridge.kill('SIGKILL');
      kills += 1;
      bridge = await scenario.subscribedBridge(world, LANES_ENV);
      lastRestart = Date.now();
      if (kills >= 12) break;
    }
    const books = await Promise.all(simulators.map((s) => s.finished));

    // THEN once the pipeline caught up, the books of both lanes balance
    const { audit, settledAt } = await settle(
      world,
      poller,
      simulators.map((s) => s.books),
      180_000,
    );
    scenario.record(books, audit);
    result.faults = `SIGKILL ×${kills} (two lanes)`;
    result.faultCount = kills;
    result.recoverySeconds = seconds(settledAt - lastRestart);
    notes.push(`kill: ${pollerSummary(poller.stats())}`);
    const wire = world.tap;
    notes.push(
      `kill: sessions resumed per lane ${JSON.stringify(wire.sessionsPresentByClient)} of CONNECTs ${JSON.stringify(wire.connectsByClient)}`,
    );
    for (const s of simulators) expect(s.failed()).toBe(0);
    expectBooksBalanced(audit);
    // Each lane connected once per bridge and resumed its own session at every restart.
    for (const id of laneIds(world)) {
      expect(wire.connectsByClient[id]).toBe(kills + 1);
      expect(wire.sessionsPresentByClient[id]).toBe(kills);
    }
    expect(wire.counts.unexpectedPubacks).toBe(0);
    expect(wire.counts.outOfOrderPubacks).toBe(0);
    await scenario.pass(world, bridge);
  });

  it(`loses nothing when one lane's connection alone is cut, at least ${MIN_CUTS} times, while the other flows`, async () => {
    // GIVEN a bridge holding two lanes, each lane's feed publishing
    const { world, poller, bridge } = await scenario.pipeline({ bridgeEnv: LANES_ENV });
    const [cutLane, keptLane] = laneIds(world) as [string, string];
    const simulators = await publishBothLanes(world, 401);
    let published = false;
    void Promise.all(simulators.map((s) => s.finished)).then(() => (published = true));

    // WHEN the first lane's connection is cut at random moments (the second lane's never)
    const random = seeded(12);
    let cuts = 0;
    while (!published || cuts < MIN_CUTS) {
      await sleep(700 + random() * 1500);
      if (world.tap.cut(cutLane) > 0) cuts += 1;
      if (cuts >= 12) break;
    }
    const books = await Promise.all(simulators.map((s) => s.finished));

    // THEN the books of both lanes balance, the cut lane reconnected to its session each time, and the other lane
    // kept its one connection
    const { audit } = await settle(
      world,
      poller,
      simulators.map((s) => s.books),
      180_000,
    );
    scenario.record(books, audit);
    notes.push(`cut: ${cuts} cuts of ${cutLane}; ${pollerSummary(poller.stats())}`);
    const wire = world.tap;
    notes.push(
      `cut: sessions resumed per lane ${JSON.stringify(wire.sessionsPresentByClient)} of CONNECTs ${JSON.stringify(wire.connectsByClient)}`,
    );
    result.faults = `${result.faults}; one lane's connection cut ×${cuts}`;
    for (const s of simulators) expect(s.failed()).toBe(0);
    expectBooksBalanced(audit);
    expect(wire.connectsByClient[keptLane]).toBe(1);
    expect(wire.connectsByClient[cutLane]).toBeGreaterThanOrEqual(cuts + 1);
    expect(wire.sessionsPresentByClient[cutLane]).toBe(wire.connectsByClient[cutLane]! - 1);
    expect(wire.counts.unexpectedPubacks).toBe(0);
    expect(wire.counts.outOfOrderPubacks).toBe(0);
    await scenario.pass(world, bridge);
  });
});
