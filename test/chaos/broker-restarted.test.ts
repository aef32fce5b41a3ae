/**
 * Scenario 2, broker restarted: Mosquitto (persistence on) is stopped and started again on the same port while the
 * bridge is forwarding a burst, then the feed publishes more. The session, its subscription and every message the
 * bridge had not acknowledged must survive the restart; nothing may be lost.
 */
import { expectBooksBalanced } from './support/audit';
import { pollerSummary, seconds, settle } from './support/scenario';
import { defineScenario } from './support/define-scenario';

const BURST = 6_000;
const scenario = defineScenario({ id: 'broker-restarted', order: 2, title: 'Broker restarted' });
const { result } = scenario;

describe('scenario 2: the broker restarts mid-run', () => {
  it('loses nothing when Mosquitto (persistence on) restarts while the bridge forwards', async () => {
    // GIVEN the pipeline with a subscribed bridge, and a burst of messages queued for it
    const { world, poller, bridge } = await scenario.pipeline();
    const first = await world.publish({ count: BURST, feed: { seed: 201 } });
    const firstBooks = await first.finished;

    // WHEN the broker stops for 3 s and starts again while the bridge is still forwarding the burst
    const atRestart = await bridge.status();
    const restartStart = Date.now();
    await world.restartBroker(3000);
    const brokerBack = Date.now();
    await bridge.waitForStatus((s) => s.connected && s.subscribed && s.reconnects >= 1, 60_000, 'reconnected');
    const reconnected = Date.now();
    // AND the feed publishes again after the restart
    const second = await world.publish({
      count: BURST,
      ratePerSecond: 2000,
      feed: { seed: 202, startTime: '2026-02-01T00:00:00.000Z' },
    });
    const secondBooks = await second.finished;

    // THEN once the pipeline caught up, the books of both bursts balance
    const { audit, settledAt } = await settle(world, poller, [first.books, second.books], 180_000);
    const after = await bridge.status();
    scenario.record([firstBooks, secondBooks], audit);
    result.faults = `mosquitto restart (SIGTERM, persistence) ×1, down ${seconds(brokerBack - restartStart)} s`;
    result.faultCount = 1;
    result.recoverySeconds = seconds(reconnected - brokerBack);
    result.notes!.push(
      `bridge at the restart: received ${atRestart?.received} of ${firstBooks.published}, acked ${atRestart?.acked}, pending ${atRestart?.pending}; ` +
        `reconnected and resubscribed ${seconds(reconnected - brokerBack)} s after the broker was back; sessions lost ${after?.sessionsLost}; ` +
        `tables balanced ${seconds(settledAt - brokerBack)} s after the restart`,
      pollerSummary(poller.stats()),
    );

    expect(first.failed() + second.failed()).toBe(0);
    // The restart came mid-run: the bridge had not yet acknowledged the whole burst.
    expect(atRestart!.acked).toBeLessThan(firstBooks.published);
    expect(after!.sessionsLost).toBe(0);
    // Every CONNACK after the first found the session (attempts that met no broker got no CONNACK).
    const connacks = Object.values(world.tap.counts.connacks).reduce((a, b) => a + b, 0);
    expect(world.tap.counts.sessionsPresent).toBe(connacks - 1);
    expectBooksBalanced(audit);

    await scenario.pass(world, bridge);
  });
});
