/**
 * Scenario 3, Kinesis unavailable for 30 s: the proxy in front of kinesalite first black-holes connections (requests
 * hang until the bridge's request timeout, which must abandon them and retry), then refuses them, 15 s each.
 * Meanwhile the feed keeps publishing more than the bridge may hold. The bridge must send no PUBACK while nothing can
 * be written, keep its resident memory under the stated bound by leaving the backlog at the broker, and catch up
 * afterwards with nothing lost.
 */
import { expectBooksBalanced } from './support/audit';
import { mib } from './support/rss';
import { pollerSummary, seconds, settle, sleep } from './support/scenario';
import { defineScenario } from './support/define-scenario';

const OUTAGE_MILLIS = 30_000;
const MESSAGES = 16_000;
const RATE = 400;
/**
 * The stated bound on the bridge's resident memory: the process as `npm run bridge` starts it (Node.js, the AWS SDK
 * and the tsx loader: about 140 MiB here) plus its pending bound (BRIDGE_MAX_PENDING_BYTES, 32 MiB by default) plus
 * slack. The bundled container image runs without the tsx loader, lower still.
 */
const RSS_BOUND_MIB = 256;
/**
 * The bridge's request timeout in this scenario (BRIDGE_REQUEST_TIMEOUT_MILLIS): a PutRecords that hangs in the black
 * hole must be abandoned after it and retried on a new connection, so the 15 s black hole sees several attempts.
 */
const REQUEST_TIMEOUT_MILLIS = 3000;
const scenario = defineScenario({ id: 'kinesis-unavailable', order: 3, title: 'Kinesis unavailable' });
const { result, rss } = scenario;

describe('scenario 3: Kinesis is unavailable for 30 s', () => {
  it('sends no PUBACK while Kinesis is unreachable, stays under its memory bound and catches up with nothing lost', async () => {
    // GIVEN the pipeline with a subscribed bridge, and the feed publishing 400 messages a second
    const { world, poller, bridge } = await scenario.pipeline({
      bridgeEnv: { BRIDGE_REQUEST_TIMEOUT_MILLIS: String(REQUEST_TIMEOUT_MILLIS) },
    });
    const simulator = await world.publish({ count: MESSAGES, ratePerSecond: RATE, feed: { seed: 301 } });
    await sleep(4000);

    // WHEN Kinesis becomes unreachable for 30 s: black-holed, then refusing connections
    world.kinesisProxy.setMode('blackhole');
    const outageStart = Date.now();
    const attemptsAtStart = world.kinesisProxy.blackholedSenders;
    // A PutRecords answered just before the cut may still be acknowledged: allow one second for it.
    await sleep(1000);
    const acksAtStart = world.tap.counts.pubacksFromBridge;
    const statusAtStart = await bridge.status();
    await sleep(OUTAGE_MILLIS / 2 - 1000);
    const blackHoleAttempts = world.kinesisProxy.blackholedSenders - attemptsAtStart;
    world.kinesisProxy.setMode('refuse');
    await sleep(OUTAGE_MILLIS / 2 - 500);
    const acksAtEnd = world.tap.counts.pubacksFromBridge;
    const statusAtEnd = await bridge.status();
    const peakDuringOutage = rss.peakBytes();
    await sleep(500);
    world.kinesisProxy.setMode('pass');
    const outageEnd = Date.now();

    // THEN it catches up: every message published is acknowledged, and the books balance
    const books = await simulator.finished;
    await bridge.waitForStatus((s) => s.pending === 0 && s.acked >= books.published, 180_000, 'caught up');
    const caughtUpAt = Date.now();
    const { audit, settledAt } = await settle(world, poller, [simulator.books], 180_000);

    scenario.record([books], audit);
    result.faults = `Kinesis black-holed 15 s then refused 15 s (${seconds(outageEnd - outageStart)} s)`;
    result.faultCount = 1;
    result.rssBoundMiB = RSS_BOUND_MIB;
    result.recoverySeconds = seconds(caughtUpAt - outageEnd);
    result.notes!.push(
      `PUBACKs during the outage: ${acksAtEnd - acksAtStart}; PutRecords attempts into the 15 s black hole ` +
        `(request timeout ${REQUEST_TIMEOUT_MILLIS / 1000} s): ${blackHoleAttempts}; bridge at the outage's end: received ${statusAtEnd?.received}, ` +
        `pending ${statusAtEnd?.pending} (${mib(statusAtEnd?.pendingBytes ?? 0)} MiB), acked ${statusAtEnd?.acked}; ` +
        `peak RSS during the outage ${mib(peakDuringOutage)} MiB; bridge caught up ${seconds(caughtUpAt - outageEnd)} s ` +
        `and the tables ${seconds(settledAt - outageEnd)} s after Kinesis came back`,
      pollerSummary(poller.stats()),
    );

    expect(simulator.failed()).toBe(0);
    // The outage really held messages back: the bridge had received more than it could acknowledge.
    expect(statusAtEnd!.received).toBeGreaterThan(statusAtStart!.acked);
    expect(acksAtEnd - acksAtStart).toBe(0);
    // A hung PutRecords is abandoned after BRIDGE_REQUEST_TIMEOUT_MILLIS and retried: 15 s of black hole with a 3 s
    // timeout and a retry backoff capped at 5 s allows at least 3 attempts; a request that never times out makes 1.
    expect(blackHoleAttempts).toBeGreaterThanOrEqual(3);
    expect(mib(rss.peakBytes())).toBeLessThanOrEqual(RSS_BOUND_MIB);
    expectBooksBalanced(audit);
    expect(world.tap.counts.unexpectedPubacks).toBe(0);
    expect(world.tap.counts.outOfOrderPubacks).toBe(0);

    await scenario.pass(world, bridge);
  });
});
