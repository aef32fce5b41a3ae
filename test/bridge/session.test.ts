/**
 * Noticing trouble with the session: a broker that lost the session (CONNACK session present = 0 on a reconnect) is
 * counted and logged; a connection that delivers nothing for the stall timeout is reconnected; logs and EMF metrics
 * come out as JSON lines on stdout.
 */
import { startEmbeddedBroker, type EmbeddedBroker } from '../../local/services/embedded-broker';
import { BridgeMetric } from '../../bridge/src/metric-names';
import type { Bridge } from '../../bridge/src/bridge';
import type { BridgeLogger } from '../../bridge/src/logger';
import {
  bridgeEnv,
  numbered,
  publishAll,
  sleep,
  spawnBridge,
  startInProcessBridge,
  startTestKinesis,
  waitUntil,
  type BridgeProcess,
  type TestKinesis,
} from './harness';

jest.setTimeout(60_000);

function recordingLogger(): BridgeLogger & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('session watch', () => {
  let broker: EmbeddedBroker;
  let kinesis: TestKinesis;
  let bridge: Bridge | undefined;
  let child: BridgeProcess | undefined;

  beforeEach(async () => {
    broker = await startEmbeddedBroker();
    kinesis = await startTestKinesis();
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    await child?.kill();
    child = undefined;
    await kinesis.stop();
    await broker.stop();
  });

  it('counts and logs a lost session when the broker comes back without it', async () => {
    // GIVEN a bridge on the embedded broker, whose sessions live in memory
    const logger = recordingLogger();
    bridge = await startInProcessBridge(bridgeEnv(broker.url, kinesis.endpoint), { logger });
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
    // WHEN the broker restarts empty
    const port = broker.port;
    await broker.stop();
    broker = await startEmbeddedBroker({ port });
    // THEN the bridge reconnects, counts the lost session, warns, and subscribes again
    await waitUntil(() => bridge!.status().reconnects >= 1 && bridge!.status().subscribed, 20_000, 'resubscribed');
    expect(bridge.status().sessionsLost).toBe(1);
    expect(logger.lines.some((l) => l.level === 'warn' && /kept no session/.test(l.message))).toBe(true);
    await publishAll(broker.url, numbered(5));
    await waitUntil(() => bridge!.status().acked >= 5, 10_000, 'acked after the new session');
  });

  it('reconnects a connection that delivers nothing for the stall timeout', async () => {
    const logger = recordingLogger();
    bridge = await startInProcessBridge(bridgeEnv(broker.url, kinesis.endpoint, { MQTT_STALL_TIMEOUT_SECONDS: '1' }), {
      logger,
    });
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
    await waitUntil(() => bridge!.status().reconnects >= 1, 10_000, 'a reconnect after the stall');
    expect(logger.lines.some((l) => /no message for \d+ s/.test(l.message))).toBe(true);
    expect(bridge.status().sessionsLost).toBe(0);
  });

  it('writes only JSON lines on stdout, EMF metrics among them, with every metric name', async () => {
    // GIVEN a bridge process emitting metrics every 300 ms
    child = await spawnBridge(bridgeEnv(broker.url, kinesis.endpoint, { METRICS_INTERVAL_MILLIS: '300' }));
    await waitUntil(async () => (await child!.status()).subscribed, 20_000, 'subscribed');
    await publishAll(broker.url, numbered(20));
    await waitUntil(async () => (await child!.status()).acked >= 20, 10_000, 'acked');
    await sleep(700);
    // THEN every line is JSON, and the EMF lines add up to what happened
    expect(child.lines.filter((l) => 'raw' in l)).toEqual([]);
    const emf = child.lines.filter((l) => '_aws' in l);
    expect(emf.length).toBeGreaterThanOrEqual(2);
    const names = new Set(
      emf.flatMap((l) =>
        (l._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> }).CloudWatchMetrics.flatMap((m) =>
          m.Metrics.map((x) => x.Name),
        ),
      ),
    );
    expect([...names].sort()).toEqual(Object.values(BridgeMetric).sort());
    expect(emf.reduce((sum, l) => sum + (l.MessagesReceived as number), 0)).toBe(20);
    expect(emf.every((l) => l.ClientId === 'bridge-test' && l.service === 'bridge')).toBe(true);
  });
});
