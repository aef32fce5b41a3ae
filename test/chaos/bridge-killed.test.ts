/**
 * Scenario 1, bridge killed: SIGKILL the real bridge process at random moments, at least 5 times during a run of
 * 20,000 messages, restarting it each time. The broker redelivers what was not acknowledged, so nothing may be lost;
 * the duplicates that redelivery causes must be absorbed by the ingest function.
 */
import { expectBooksBalanced } from './support/audit';
import type { BridgeProcess } from './support/bridge-process';
import { pollerSummary, seconds, seeded, settle, sleep } from './support/scenario';
import { defineScenario } from './support/define-scenario';

const MESSAGES = 20_000;
const MIN_KILLS = 5;
// A smaller window than the default 10,000 keeps each kill's redelivery (everything unacknowledged) to what the
// suite's time budget affords; the property does not depend on the window's size.
const BRIDGE_TUNING = { BRIDGE_MAX_PENDING_MESSAGES: '2000' };
const scenario = defineScenario({ id: 'bridge-killed', order: 1, title: 'Bridge killed' });
const { result } = scenario;

describe('scenario 1: the bridge is killed', () => {
  it(`loses nothing when the bridge is SIGKILLed at random moments, at least ${MIN_KILLS} times in ${MESSAGES} messages`, async () => {
    // GIVEN the whole pipeline, a subscribed bridge and the feed publishing 20,000 messages
    const pipeline = await scenario.pipeline({ bridgeEnv: BRIDGE_TUNING });
    const { world, poller } = pipeline;
    let bridge: BridgeProcess = pipeline.bridge;
    const simulator = await world.publish({ count: MESSAGES, ratePerSecond: 1000, feed: { seed: 101 } });
    let published = false;
    void simulator.finished.then(() => (published = true));

    // WHEN the bridge is killed at random moments while it forwards, and restarted each time
    const random = seeded(1);
    const kills: string[] = [];
    let lastRestart = Date.now();
    while (!published || kills.length < MIN_KILLS) {
      await sleep(400 + random() * 1800);
      const before = await bridge.status();
      await bridge.kill('SIGKILL');
      kills.push(
        `received ${before?.received ?? '?'}, acked ${before?.acked ?? '?'}, pending ${before?.pending ?? '?'}`,
      );
      bridge = await scenario.subscribedBridge(world, BRIDGE_TUNING);
      lastRestart = Date.now();
      if (kills.length >= 20) break;
    }
    const books = await simulator.finished;
    result.faults = `SIGKILL ×${kills.length}`;
    result.faultCount = kills.length;
    result.notes!.push(`bridge state at each kill: ${kills.join('; ')}`);

    // THEN once the pipeline caught up, the books balance
    const { audit, settledAt } = await settle(world, poller, [simulator.books], 180_000);
    scenario.record([books], audit);
    result.recoverySeconds = seconds(settledAt - lastRestart);
    const stats = poller.stats();
    result.notes!.push(pollerSummary(stats));
    const wire = world.tap.counts;
    result.notes!.push(
      `broker sent ${wire.publishesToBridge} PUBLISHes (${wire.dupPublishesToBridge} with DUP) for ${books.published} messages; ` +
        `${wire.pubacksFromBridge} PUBACKs; ${audit.quarantineRedeliveries} malformed messages quarantined twice after redelivery; ` +
        `${wire.sessionsPresent} of ${wire.connects - 1} reconnects found their session`,
    );
    expect(simulator.failed()).toBe(0);
    expect(books.published).toBeGreaterThanOrEqual(MESSAGES);
    expect(kills.length).toBeGreaterThanOrEqual(MIN_KILLS);
    expectBooksBalanced(audit);
    expect(stats.recordsSkipped).toBe(0);
    // Every restart resumed the persistent session, and PUBACKs stayed in order and matched a PUBLISH.
    const connacks = Object.values(wire.connacks).reduce((a, b) => a + b, 0);
    expect(wire.sessionsPresent).toBe(connacks - 1);
    expect(wire.unexpectedPubacks).toBe(0);
    expect(wire.outOfOrderPubacks).toBe(0);

    // AND no log line of any bridge holds a password
    await scenario.pass(world, bridge);
  });
});
