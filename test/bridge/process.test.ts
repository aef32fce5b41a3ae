/**
 * The bridge as a real process (`node --import tsx bridge/src/main.ts`) against mosquitto with persistence:
 * SIGKILL mid-stream and a restart lose nothing; SIGTERM flushes, acknowledges, disconnects without unsubscribing and
 * exits 0 within its stop timeout.
 */
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import {
  bridgeEnv,
  numbered,
  numbersIn,
  publishAll,
  spawnBridge,
  startTestKinesis,
  waitUntil,
  type BridgeProcess,
  type TestKinesis,
} from './harness';
import { startTcpProxy } from './tcp-proxy';

jest.setTimeout(90_000);

describe('the bridge process', () => {
  let broker: Mosquitto;
  let kinesis: TestKinesis;
  const bridges: BridgeProcess[] = [];

  beforeEach(async () => {
    broker = await startMosquitto({ maxInflightMessages: 100 });
    kinesis = await startTestKinesis();
  });
  afterEach(async () => {
    for (const b of bridges.splice(0)) await b.kill();
    await kinesis.stop();
    await broker.destroy();
  });

  async function spawn(overrides: Record<string, string> = {}): Promise<BridgeProcess> {
    const b = await spawnBridge(bridgeEnv(broker.url, kinesis.endpoint, overrides));
    bridges.push(b);
    return b;
  }

  it('loses nothing when killed with SIGKILL mid-stream and restarted', async () => {
    // GIVEN a running bridge
    const first = await spawn();
    await waitUntil(async () => (await first.status()).subscribed, 20_000, 'subscribed');
    // WHEN 5,000 messages are published and the bridge is killed while they flow
    const messages = numbered(5000);
    const publishing = publishAll(broker.url, messages);
    await waitUntil(async () => (await first.status()).acked >= 500, 30_000, '500 acked');
    await first.kill();
    const atKill = await publishing.then(() => 'published');
    expect(atKill).toBe('published');
    // AND a new bridge process starts with the same client id
    const second = await spawn();
    // THEN every message reaches Kinesis (at least once)
    await waitUntil(async () => numbersIn(await kinesis.readAll()).size === 5000, 60_000, 'all 5,000 in Kinesis');
    const status = await second.status();
    expect(status.sessionsLost).toBe(0);
  });

  it('on SIGTERM flushes, acknowledges, exits 0 in time, and leaves the subscription for the next session', async () => {
    // GIVEN a bridge that received 1,000 messages
    const bridge = await spawn({ BRIDGE_SHUTDOWN_TIMEOUT_MILLIS: '10000' });
    await waitUntil(async () => (await bridge.status()).subscribed, 20_000, 'subscribed');
    await publishAll(broker.url, numbered(1000));
    await waitUntil(async () => (await bridge.status()).received >= 1000, 30_000, '1,000 received');
    // WHEN it gets SIGTERM
    const t0 = Date.now();
    bridge.child.kill('SIGTERM');
    const exit = await bridge.exited;
    // THEN it exits 0 within the stop timeout, with everything written
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(numbersIn(await kinesis.readAll()).size).toBe(1000);
    const stopped = bridge.lines.find((l) => l.message === 'stopped');
    expect(stopped).toMatchObject({ received: 1000, written: 1000, acked: 1000, pending: 0 });
    // WHEN 100 more messages are published while no bridge runs
    await publishAll(broker.url, numbered(1100).slice(1000));
    // THEN a later session with the same client id gets exactly those 100: subscription kept, the first 1,000 acked
    const client = mqtt.connect(broker.url, {
      clientId: 'bridge-test',
      clean: false,
      reconnectPeriod: 0,
      manualConnect: true,
    });
    const got: number[] = [];
    client.on('message', (_t, payload) => got.push((JSON.parse(payload.toString()) as { n: number }).n));
    client.connect();
    try {
      await waitUntil(() => got.length >= 100, 10_000, '100 queued messages delivered');
      await new Promise((r) => setTimeout(r, 500));
      expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    } finally {
      await client.endAsync();
    }
  });

  it('on SIGTERM while Kinesis is unreachable, exits 0 within the stop timeout having acknowledged nothing', async () => {
    // GIVEN a bridge whose Kinesis is unreachable, holding 50 messages
    const proxy = await startTcpProxy(kinesis.local.port);
    try {
      const b = await spawnBridge(
        bridgeEnv(broker.url, `http://127.0.0.1:${proxy.port}`, { BRIDGE_SHUTDOWN_TIMEOUT_MILLIS: '3000' }),
      );
      bridges.push(b);
      await waitUntil(async () => (await b.status()).subscribed, 20_000, 'subscribed');
      proxy.down();
      await publishAll(broker.url, numbered(50));
      await waitUntil(async () => (await b.status()).received >= 50, 10_000, '50 received');
      // WHEN it gets SIGTERM
      const t0 = Date.now();
      b.child.kill('SIGTERM');
      // THEN it exits 0 within 3 s, and all 50 are still queued for the session
      expect(await b.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - t0).toBeLessThan(3_500);
      expect(b.lines.find((l) => l.message === 'stopped')).toMatchObject({ acked: 0 });
      proxy.up();
      const next = await spawn();
      await waitUntil(async () => numbersIn(await kinesis.readAll()).size === 50, 20_000, 'all 50 in Kinesis');
      expect((await next.status()).sessionsLost).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it('fails at start with one line per configuration problem, never echoing the password', async () => {
    // GIVEN a configuration with several problems, one of them a password on a non-loopback plain URL
    const b = await spawnBridge(
      {
        MQTT_URL: 'mqtt://broker.example.com:1883',
        MQTT_CLIENT_ID: 'x',
        MQTT_TOPICS: '#',
        MQTT_USERNAME: 'user',
        MQTT_PASSWORD: 'sup3r-s3cret',
        KINESIS_STREAM_NAME: 'readings',
        BRIDGE_MAX_PENDING_MESSAGES: 'lots',
      },
      false,
    );
    bridges.push(b);
    // THEN it exits 2 and names each problem on its own line
    expect((await b.exited).code).toBe(2);
    const messages = b.lines.map((l) => String(l.message));
    expect(messages).toEqual([
      expect.stringContaining('MQTT_URL may use plain mqtt:// only for a loopback host'),
      expect.stringContaining('MQTT_TOPICS: subscription filter "#"'),
      expect.stringContaining('BRIDGE_MAX_PENDING_MESSAGES must be an integer'),
    ]);
    expect(b.rawOutput()).not.toContain('sup3r-s3cret');
  });
});
