/**
 * Noticing trouble with the session: a broker that lost the session (CONNACK session present = 0 on a reconnect, or on
 * a new process's first connection once the feed's client id held a session) is counted and logged; a connection that delivers nothing for the stall timeout is reconnected; logs and EMF metrics
 * come out as JSON lines on stdout.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../local/services/embedded-broker';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
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

describe('a session lost across bridge processes', () => {
  // mosquitto with persistence: a restart keeps sessions, and a new data directory is a broker that lost them all.
  let broker: Mosquitto;
  let kinesis: TestKinesis;
  let child: BridgeProcess | undefined;
  let markerDir: string;

  beforeEach(async () => {
    broker = await startMosquitto();
    kinesis = await startTestKinesis();
    markerDir = mkdtempSync(join(tmpdir(), 'session-marker-'));
  });
  afterEach(async () => {
    await child?.kill();
    child = undefined;
    await kinesis.stop();
    await broker.destroy();
    rmSync(markerDir, { recursive: true, force: true });
  });

  const env = (marker: string) =>
    bridgeEnv(broker.url, kinesis.endpoint, { BRIDGE_SESSION_MARKER_FILE: marker, METRICS_INTERVAL_MILLIS: '300' });

  /** Starts a bridge process, waits for its subscription, stops it with SIGTERM and returns its last status. */
  async function runBridgeOnce(marker: string) {
    child = await spawnBridge(env(marker));
    await waitUntil(async () => (await child!.status()).subscribed, 20_000, 'subscribed');
    // the marker is written right after the SUBACK; give the EMF interval a beat to report the counters
    await waitUntil(() => existsSync(marker), 5_000, 'the session marker is written');
    await sleep(700);
    const status = await child.status();
    const lines = child.lines;
    child.child.kill('SIGTERM');
    await child.exited;
    child = undefined;
    const emfSessionsLost = lines
      .filter((l) => '_aws' in l)
      .reduce((sum, l) => sum + ((l.SessionsLost as number | undefined) ?? 0), 0);
    return { status, lines, emfSessionsLost };
  }

  it('does not count the first start of a feed, and writes the marker', async () => {
    // GIVEN a feed that never held a session: no marker, a broker that never saw the client id
    const marker = join(markerDir, 'feed-a.json');
    // WHEN its first bridge starts and subscribes
    const first = await runBridgeOnce(marker);
    // THEN nothing is counted, and the marker names the client id
    expect(first.status.sessionsLost).toBe(0);
    expect(first.emfSessionsLost).toBe(0);
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toMatchObject({ clientId: 'bridge-test' });
  });

  it('does not count a new process that finds its session kept by the broker', async () => {
    // GIVEN a feed whose first bridge held a session, and a broker restarted with its persistence
    const marker = join(markerDir, 'feed-a.json');
    await runBridgeOnce(marker);
    broker = await broker.restart();
    // WHEN the next bridge process connects
    const second = await runBridgeOnce(marker);
    // THEN the session was resumed: nothing counted
    expect(second.status.sessionsLost).toBe(0);
  });

  it('counts a session lost between two bridge processes (a broker restarted without persistence), so it pages', async () => {
    // GIVEN a feed whose first bridge held a session
    const marker = join(markerDir, 'feed-a.json');
    await runBridgeOnce(marker);
    // AND the broker restarted on the same port without its sessions
    const port = broker.port;
    await broker.destroy();
    broker = await startMosquitto({ port });
    // WHEN the next bridge process (a deploy, a crash, a new task) makes its first connection
    const second = await runBridgeOnce(marker);
    // THEN that first CONNACK's session present = 0 is counted, in /status and in the SessionsLost metric the
    // SessionLost alarm sums (threshold 1), and logged as a loss
    expect(second.status.sessionsLost).toBe(1);
    expect(second.status.reconnects).toBe(0);
    expect(second.emfSessionsLost).toBe(1);
    expect(
      second.lines.some(
        (l) => l.level === 'WARN' && /kept no session .*first connection/.test(String(l.message ?? '')),
      ),
    ).toBe(true);
  });
});
