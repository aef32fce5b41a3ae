/**
 * Scenario 8, graceful deploy: SIGTERM the bridge while it holds unacknowledged messages, as ECS does on a
 * deployment. It must stop taking messages, flush what it holds to Kinesis, acknowledge it, disconnect without
 * unsubscribing and exit 0 within its shutdown timeout (under the container's stop timeout); the next bridge must
 * resume the same session and forward the rest, with nothing lost.
 */
import { expectBooksBalanced } from './support/audit';
import { pollerSummary, seconds, settle } from './support/scenario';
import { defineScenario } from './support/define-scenario';

const MESSAGES = 10_000;
const SHUTDOWN_TIMEOUT_MILLIS = 20_000;
const scenario = defineScenario({ id: 'graceful-deploy', order: 8, title: 'Graceful deploy' });
const { result, rss } = scenario;

interface StoppedLine {
  readonly message: string;
  readonly received: number;
  readonly acked: number;
  readonly pending: number;
  readonly notAcked: number;
}

describe('scenario 8: a deployment replaces the bridge', () => {
  it('flushes, acknowledges and exits 0 on SIGTERM, and the next bridge resumes the session with nothing lost', async () => {
    // GIVEN a bridge forwarding a burst, holding unacknowledged messages
    const env = { BRIDGE_SHUTDOWN_TIMEOUT_MILLIS: String(SHUTDOWN_TIMEOUT_MILLIS) };
    const { world, poller, bridge: first } = await scenario.pipeline({ bridgeEnv: env });
    const simulator = await world.publish({ count: MESSAGES, feed: { seed: 801 } });
    const atSignal = await first.waitForStatus((s) => s.received >= 2000 && s.pending > 0, 60_000, 'messages pending');

    // WHEN it receives SIGTERM
    const signalAt = Date.now();
    const exit = await first.kill('SIGTERM');
    const wire = { ...world.tap.counts };
    const stoppedLine = first
      .log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as StoppedLine)
      .find((l) => l.message === 'stopped');

    // THEN it exited 0 within the timeout, with everything it received written and acknowledged
    expect(exit.code).toBe(0);
    expect(exit.at - signalAt).toBeLessThan(SHUTDOWN_TIMEOUT_MILLIS);
    expect(stoppedLine).toBeDefined();
    expect(stoppedLine!.pending).toBe(0);
    expect(stoppedLine!.notAcked).toBe(0);
    expect(stoppedLine!.acked).toBe(stoppedLine!.received);
    expect(wire.pubacksFromBridge).toBe(stoppedLine!.acked);
    expect(wire.unsubscribes).toBe(0);
    expect(wire.disconnects).toBe(1);

    // AND the next bridge resumes the session and forwards the rest; the books balance
    const second = rss.watch(await world.startBridge(env));
    const resumedAt = Date.now();
    const books = await simulator.finished;
    const { audit, settledAt } = await settle(world, poller, [simulator.books], 180_000);
    expect(world.tap.counts.sessionsPresent).toBe(1);

    scenario.record([books], audit);
    result.faults = `SIGTERM ×1 with ${atSignal.pending} messages pending; a new bridge started`;
    result.faultCount = 1;
    result.recoverySeconds = seconds(settledAt - resumedAt);
    result.notes!.push(
      `SIGTERM to exit 0: ${seconds(exit.at - signalAt)} s (timeout ${SHUTDOWN_TIMEOUT_MILLIS / 1000} s); the stopped bridge received ` +
        `${stoppedLine!.received} and acknowledged ${stoppedLine!.acked}; the broker redelivered ${world.tap.counts.dupPublishesToBridge - wire.dupPublishesToBridge} ` +
        `messages (with DUP) to the next bridge`,
      pollerSummary(poller.stats()),
    );
    expect(simulator.failed()).toBe(0);
    expectBooksBalanced(audit);

    await scenario.pass(world, second);
  });
});
