/**
 * A deploy as ECS runs it: the new task starts while the old one drains after SIGTERM (a draining task is no longer
 * RUNNING, so `maximumPercent: 100` does not hold the new one back:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service_definition_parameters.html#sc-deploymentconfiguration),
 * and both use the feed's one client id. The broker gives the session to the newcomer (MQTT 3.1.1, 3.1.4: the server
 * disconnects the existing client). The draining bridge must not reconnect and take it back, and must stop at once,
 * leaving what it had not written unacknowledged for the new one. Against mosquitto, both bridges in this process.
 */
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import type { Bridge } from '../../bridge/src/bridge';
import type { BridgeLogger } from '../../bridge/src/logger';
import {
  bridgeEnv,
  kinesisClientFor,
  numbered,
  numbersIn,
  publishAll,
  sleep,
  startInProcessBridge,
  startTestKinesis,
  waitUntil,
  type TestKinesis,
} from './harness';

jest.setTimeout(120_000);

function recordingLogger(): BridgeLogger & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('a deploy hands the session over once', () => {
  let broker: Mosquitto;
  let kinesis: TestKinesis;
  const bridges: Bridge[] = [];

  beforeEach(async () => {
    broker = await startMosquitto();
    kinesis = await startTestKinesis();
  });
  afterEach(async () => {
    await Promise.all(bridges.splice(0).map((b) => b.stop()));
    await kinesis.stop();
    await broker.destroy();
  });

  it('never reconnects after SIGTERM, stops at once when the next bridge takes the session, and loses nothing', async () => {
    // GIVEN an old bridge whose Kinesis writes are slow (20 records a call, one call at a time, 200 ms each), holding
    // thousands of messages
    const MESSAGES = 3_000;
    const slowKinesis = kinesisClientFor(kinesis.endpoint);
    slowKinesis.middlewareStack.add(
      (next) => async (args) => {
        await sleep(200);
        return next(args);
      },
      { step: 'initialize', name: 'slowKinesis' },
    );
    const env = bridgeEnv(broker.url, kinesis.endpoint, {
      BRIDGE_SHUTDOWN_TIMEOUT_MILLIS: '60000',
      BRIDGE_MAX_BATCH_RECORDS: '20',
      BRIDGE_MAX_CALLS_IN_FLIGHT: '1',
    });
    const oldLogger = recordingLogger();
    const old = await startInProcessBridge(env, { logger: oldLogger, kinesisClient: slowKinesis });
    bridges.push(old);
    await waitUntil(() => old.status().subscribed, 10_000, 'old bridge subscribed');
    await publishAll(broker.url, numbered(MESSAGES));
    await waitUntil(() => old.status().pending >= 500, 20_000, 'old bridge holding messages');

    // WHEN it gets SIGTERM and drains, and the new bridge connects with the same client id mid-drain
    const stopping = old.stop('received SIGTERM');
    await sleep(300);
    const drainingPending = old.status().pending;
    const next = await startInProcessBridge({ ...env, BRIDGE_MAX_BATCH_RECORDS: '500' });
    bridges.push(next);
    await stopping;
    const oldAtStop = old.status();

    // THEN the old bridge made one connection only and stopped as soon as the session was taken, with messages
    // left unwritten (it did not drain them for nothing)
    expect(drainingPending).toBeGreaterThan(0);
    expect(oldAtStop.connectAttempts).toBe(1);
    expect(oldAtStop.reconnects).toBe(0);
    expect(oldAtStop.pending).toBeGreaterThan(0);
    expect(oldLogger.lines.some((l) => /connection ended while draining/.test(l.message))).toBe(true);
    // AND the new one holds the session from its first connection on, and receives the rest: nothing lost
    await waitUntil(
      async () => numbersIn(await kinesis.readAll()).size === MESSAGES && next.status().pending === 0,
      90_000,
      'every message in the stream',
    );
    await sleep(500);
    expect(next.status()).toMatchObject({ connectAttempts: 1, reconnects: 0, subscribed: true });
    expect(old.status().connectAttempts).toBe(1);
  });
});
