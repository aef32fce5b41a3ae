/**
 * Scenario 9, a deploy as ECS runs it: the new task starts while the old one drains after SIGTERM (a draining task is
 * no longer RUNNING, so `maximumPercent: 100` does not hold the new one back:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html#sc-deploymentconfiguration),
 * and both hold the feed's one client id. The old bridge drains thousands of messages (Kinesis black-holed, so its
 * writes hang); the new one connects in the middle, and the broker hands it the session. The old one must never
 * reconnect (no fight over the client id), stop at once leaving what it had not written unacknowledged, and the new
 * one must receive it all again: nothing lost, and the session changes hands once.
 */
import { expectBooksBalanced } from './support/audit';
import { defineScenario } from './support/define-scenario';
import { pollerSummary, seconds, settle } from './support/scenario';

const MESSAGES = 10_000;
const SHUTDOWN_TIMEOUT_MILLIS = 60_000;
const scenario = defineScenario({ id: 'deploy-overlap', order: 9, title: 'Deploy with overlap' });
const { result, rss } = scenario;

interface StoppedLine {
  readonly message: string;
  readonly received: number;
  readonly acked: number;
  readonly pending: number;
  readonly notAcked: number;
  readonly connectAttempts: number;
  readonly reconnects: number;
}

describe('scenario 9: the new bridge connects while the old one drains', () => {
  it('hands the session over once: the old bridge never reconnects, stops at once, and nothing is lost', async () => {
    // GIVEN a bridge forwarding a burst, then Kinesis black-holed so that thousands of messages wait in its window
    const env = { BRIDGE_SHUTDOWN_TIMEOUT_MILLIS: String(SHUTDOWN_TIMEOUT_MILLIS) };
    const { world, poller, bridge: old } = await scenario.pipeline({ bridgeEnv: env });
    const simulator = await world.publish({ count: MESSAGES, ratePerSecond: 2_000, feed: { seed: 901 } });
    await old.waitForStatus((s) => s.received >= 2_000, 60_000, 'the old bridge forwarding');
    world.kinesisProxy.setMode('blackhole');
    const atSignal = await old.waitForStatus((s) => s.pending >= 2_000, 60_000, 'thousands of messages pending');
    const connectsBefore = world.tap.counts.connects;
    const resumedBefore = world.tap.counts.sessionsPresent;

    // WHEN ECS sends it SIGTERM and, mid-drain, starts the new task with the same client id
    const signalAt = Date.now();
    const exited = old.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Kinesis stays black-holed until the old bridge is gone, so it cannot finish its drain before the takeover.
    const next = rss.watch(await world.startBridge(env));
    const nextStartedAt = Date.now();
    const exit = await exited;
    world.kinesisProxy.setMode('pass');
    const stopped = old
      .log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as StoppedLine)
      .find((l) => l.message === 'stopped');

    // THEN the old bridge stopped as soon as the session was taken, long before its shutdown timeout, exit 0, having
    // made no connection after the signal and left what it had not written unacknowledged
    expect(exit.code).toBe(0);
    expect(exit.at - signalAt).toBeLessThan(SHUTDOWN_TIMEOUT_MILLIS);
    expect(stopped).toBeDefined();
    expect(stopped!.connectAttempts).toBe(1);
    expect(stopped!.reconnects).toBe(0);
    expect(stopped!.pending + stopped!.notAcked).toBeGreaterThan(0);
    expect(old.log()).toMatch(/connection ended while draining/);

    // AND the new bridge resumed the session with its first connection, kept it, and forwarded everything
    await next.waitForStatus((s) => s.subscribed, 30_000, 'the new bridge subscribed');
    const books = await simulator.finished;
    const { audit, settledAt } = await settle(world, poller, [simulator.books], 240_000);
    const handovers = world.tap.counts.connects - connectsBefore;
    expect(handovers).toBe(1);
    expect(world.tap.counts.sessionsPresent - resumedBefore).toBe(1);
    expect(await next.status()).toMatchObject({ connectAttempts: 1, reconnects: 0 });

    scenario.record([books], audit);
    result.faults = `SIGTERM with ${atSignal.pending} messages pending (Kinesis black-holed); a new bridge with the same client id ${seconds(nextStartedAt - signalAt)} s into the drain`;
    result.faultCount = 1;
    result.recoverySeconds = seconds(settledAt - nextStartedAt);
    result.notes!.push(
      `SIGTERM to exit 0: ${seconds(exit.at - signalAt)} s (shutdown timeout ${SHUTDOWN_TIMEOUT_MILLIS / 1000} s); the old bridge received ` +
        `${stopped!.received}, acknowledged ${stopped!.acked} and left ${stopped!.pending} unwritten and ${stopped!.notAcked} written but not acknowledged; ` +
        `connections after the signal: ${handovers} (the new bridge's, session present), old bridge connection attempts in all: ${stopped!.connectAttempts}`,
      pollerSummary(poller.stats()),
    );
    expect(simulator.failed()).toBe(0);
    expectBooksBalanced(audit);

    await scenario.pass(world, next);
  });
});
