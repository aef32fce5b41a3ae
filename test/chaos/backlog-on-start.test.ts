/**
 * Scenario 5, backlog on start: 100,000 messages are queued in the bridge's persistent session while no bridge runs
 * (after a deployment stopped it, or an outage), then a bridge starts. It must drain the whole backlog without
 * losing a message and within its memory bound; the drain time is recorded.
 */
import { expectBooksBalanced } from './support/audit';
import { mib } from './support/rss';
import { pollerSummary, seconds, settle } from './support/scenario';
import { defineScenario } from './support/define-scenario';

const BACKLOG = 100_000;
/** The stated bound on the bridge's resident memory (see scenario 3). */
const RSS_BOUND_MIB = 256;
/**
 * The longest the tables may take in all. DynamoDB Local stores 200 to 900 records a second on these shared machines
 * (108 s to over 500 s for this backlog); the wait ends sooner, and fails, once no record moves for a minute (settle.ts).
 */
const SETTLE_CAP_MILLIS = 900_000;
const scenario = defineScenario({ id: 'backlog-on-start', order: 5, title: 'Backlog on start' });
const { result, rss } = scenario;

describe('scenario 5: a bridge starts with 100,000 messages waiting', () => {
  it('drains the backlog of its persistent session with nothing lost and bounded memory', async () => {
    // GIVEN a session with its subscription at the broker, and no bridge running
    const world = await scenario.world();
    const first = await world.startBridge();
    await first.waitForStatus((s) => s.subscribed, 30_000, 'subscribed');
    expect((await first.kill('SIGTERM')).code).toBe(0);
    // AND 100,000 messages published meanwhile, queued for the session
    const publishStart = Date.now();
    const simulator = await world.publish({ count: BACKLOG, feed: { seed: 501 } });
    const books = await simulator.finished;
    const publishSeconds = seconds(Date.now() - publishStart);

    // WHEN a bridge starts
    const poller = await world.startPoller();
    const startAt = Date.now();
    const bridge = rss.watch(await world.startBridge());
    await bridge.waitForStatus((s) => s.acked >= books.published, 300_000, 'backlog acknowledged');
    const drainedAt = Date.now();

    // THEN every message reached the tables, and the bridge stayed within its memory bound
    const { audit, settledAt, outcome } = await settle(world, poller, [simulator.books], SETTLE_CAP_MILLIS);
    scenario.record([books], audit);
    result.faults = `${books.published.toLocaleString('en-US')} messages queued while no bridge ran`;
    result.faultCount = 1;
    result.rssBoundMiB = RSS_BOUND_MIB;
    result.drainSeconds = seconds(drainedAt - startAt);
    result.recoverySeconds = seconds(settledAt - startAt);
    result.notes!.push(
      `published in ${publishSeconds} s; the bridge acknowledged the backlog ${seconds(drainedAt - startAt)} s after its start ` +
        `(${Math.round(books.published / ((drainedAt - startAt) / 1000))} messages/s, process start included); ` +
        `the tables held everything ${seconds(settledAt - startAt)} s after it; the broker sent ${world.tap.counts.publishesToBridge} PUBLISHes, reusing ${world.tap.counts.reusedPacketIds} packet ids still in flight`,
      pollerSummary(poller.stats()),
    );
    if (outcome !== 'balanced') result.notes!.push(`the wait for the tables ended: ${outcome}`);

    expect(simulator.failed()).toBe(0);
    expect(books.published).toBe(BACKLOG);
    expect(world.tap.counts.sessionsPresent).toBe(1);
    expect(world.tap.counts.unexpectedPubacks).toBe(0);
    expect(world.tap.counts.outOfOrderPubacks).toBe(0);
    expect(mib(rss.peakBytes())).toBeLessThanOrEqual(RSS_BOUND_MIB);
    expectBooksBalanced(audit);

    await scenario.pass(world, bridge);
  }, 1_260_000);
});
