/**
 * Scenario 4, DynamoDB unavailable for 30 s: the proxy in front of DynamoDB Local takes requests and never answers
 * them for 10 s (the handler's client must abandon them after its request timeout and retry), then answers every
 * request with throttling (400 ProvisionedThroughputExceededException) for 10 s, then resets every connection for
 * 10 s, while the feed keeps publishing. The handler reports the unwritten records, the poller (with the event source mapping's
 * deployed settings) retries them in order, no record is skipped, and afterwards the books balance.
 */
import { expectBooksBalanced } from './support/audit';
import { pollerSummary, seconds, settle, sleep } from './support/scenario';
import { defineScenario } from './support/define-scenario';

const OUTAGE_MILLIS = 30_000;
const MESSAGES = 8_000;
const scenario = defineScenario({ id: 'dynamodb-unavailable', order: 4, title: 'DynamoDB unavailable' });
const { result } = scenario;

describe('scenario 4: DynamoDB hangs, throttles and then is unreachable, 30 s in all', () => {
  it('retries without skipping a record, and the books balance afterwards', async () => {
    // GIVEN the pipeline with a subscribed bridge, and the feed publishing
    const { world, poller, bridge } = await scenario.pipeline();
    const simulator = await world.publish({ count: MESSAGES, ratePerSecond: 250, feed: { seed: 401 } });
    await sleep(3000);

    // WHEN DynamoDB answers no request for 10 s, then throttles every request for 10 s, then refuses connections
    // for 10 s (the black hole first, while the SDK's retry quota is full and the poller has not backed off yet)
    const proxy = world.ddbProxy!;
    const before = poller.stats();
    proxy.mode = 'blackhole';
    const outageStart = Date.now();
    const blackHoleStart = outageStart;
    await sleep(OUTAGE_MILLIS / 3);
    proxy.mode = 'throttle';
    await sleep(OUTAGE_MILLIS / 3);
    proxy.mode = 'refuse';
    await sleep(OUTAGE_MILLIS / 3);
    proxy.mode = 'pass';
    const outageEnd = Date.now();
    const during = poller.stats();

    // THEN the poller retried, skipped nothing, and the tables match the books
    const books = await simulator.finished;
    const { audit, settledAt } = await settle(world, poller, [simulator.books], 180_000);
    const stats = poller.stats();
    scenario.record([books], audit);
    // With a 5 s request timeout (the handler's client here is the local runner's, with the function's 5 s), requests
    // held by the black hole are abandoned and retried, so requests still arrive after its first 5 s. Requests that
    // never time out leave every shard's invocation stuck within the first second, and none arrive after.
    const lateRequests = proxy.blackholedAt.filter((t) => t - blackHoleStart > 5000).length;
    result.faults = `DynamoDB black-holed 10 s, throttled 10 s, refused 10 s (${seconds(outageEnd - outageStart)} s): ${proxy.faulted} requests failed`;
    result.faultCount = proxy.faulted;
    result.recoverySeconds = seconds(settledAt - outageEnd);
    result.notes!.push(
      `during the outage the poller made ${during.invocations - before.invocations} invocations: ` +
        `${during.partialFailures - before.partialFailures} partial failures, ${during.functionErrors - before.functionErrors} function errors, ` +
        `${during.retries - before.retries} retries, ${during.recordsProcessed - before.recordsProcessed} records processed; ` +
        `${proxy.blackholedAt.length} requests held by the black hole, ${lateRequests} of them after its first 5 s`,
      pollerSummary(stats),
    );

    expect(simulator.failed()).toBe(0);
    expect(proxy.faulted).toBeGreaterThan(0);
    expect(lateRequests).toBeGreaterThan(0);
    expect(during.partialFailures + during.functionErrors).toBeGreaterThan(
      before.partialFailures + before.functionErrors,
    );
    expect(stats.recordsSkipped).toBe(0);
    expect(stats.onFailure).toEqual([]);
    expectBooksBalanced(audit);

    await scenario.pass(world, bridge);
  });
});
