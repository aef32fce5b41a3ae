/**
 * Scenario 1, bridge killed: SIGKILL the real bridge process at random moments, at least 5 times during a run of
 * 20,000 messages, restarting it each time. The broker redelivers what was not acknowledged, so nothing may be lost;
 * the duplicates that redelivery causes must be absorbed by the ingest function.
 */
import { expectBooksBalanced } from './support/audit';
import type { BridgeProcess } from './support/bridge-process';
import { stopEverything } from './support/children';
import { mib } from './support/rss';
import { newResult, saveResult } from './support/results';
import { linesWithSecrets, pollerSummary, RssWatch, seconds, seeded, settle, sleep } from './support/scenario';
import { startWorld, type World } from './support/world';

const MESSAGES = 20_000;
const MIN_KILLS = 5;
// A smaller window than the default 10,000 keeps each kill's redelivery (everything unacknowledged) to what the
// suite's time budget affords; the property does not depend on the window's size.
const BRIDGE_TUNING = { BRIDGE_MAX_PENDING_MESSAGES: '2000' };
const result = newResult('bridge-killed', 1, 'Bridge killed');
const startedAt = Date.now();
const rss = new RssWatch();
let world: World | undefined;

afterAll(async () => {
  rss.stop();
  await stopEverything();
  saveResult(result, startedAt);
});

describe('scenario 1: the bridge is killed', () => {
  it(`loses nothing when the bridge is SIGKILLed at random moments, at least ${MIN_KILLS} times in ${MESSAGES} messages`, async () => {
    // GIVEN the whole pipeline, a subscribed bridge and the feed publishing 20,000 messages
    world = await startWorld({ id: 'bridge-killed' });
    const poller = await world.startPoller();
    let bridge: BridgeProcess = rss.watch(await world.startBridge(BRIDGE_TUNING));
    await bridge.waitForStatus((s) => s.subscribed, 30_000, 'subscribed');
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
      bridge = rss.watch(await world.startBridge(BRIDGE_TUNING));
      await bridge.waitForStatus((s) => s.subscribed, 30_000, 'subscribed after restart');
      lastRestart = Date.now();
      if (kills.length >= 20) break;
    }
    const books = await simulator.finished;
    result.messages = books.published;
    result.uniqueReadings = books.unique;
    result.duplicatesPublished = books.duplicatesPublished;
    result.malformedPublished = books.malformed.total;
    result.faults = `SIGKILL ×${kills.length}`;
    result.faultCount = kills.length;
    result.notes!.push(`bridge state at each kill: ${kills.join('; ')}`);

    // THEN once the pipeline caught up, the books balance
    const { audit, settledAt } = await settle(world, poller, [simulator.books], 180_000);
    result.lost = audit.lost;
    result.duplicatedRows = audit.extraRows;
    result.recoverySeconds = seconds(settledAt - lastRestart);
    result.peakRssMiB = mib(rss.peakBytes());
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
    await bridge.kill('SIGTERM');
    expect(linesWithSecrets('bridge-killed-', world.secrets)).toEqual([]);
    result.passed = true;
  });
});
