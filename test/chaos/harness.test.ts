/**
 * The chaos suite's own instruments, checked before they are trusted: the TCP proxy forwards, refuses and
 * black-holes; the MQTT tap counts PUBLISH and PUBACK packets as a real client and broker exchange them; the HTTP
 * fault proxy answers as a throttled DynamoDB.
 */
import { connect } from 'node:net';
import { createServer } from 'node:http';
import mqtt from 'mqtt';
import { startEmbeddedBroker } from '../../local/services/embedded-broker';
import { stopEverything, track } from './support/children';
import { startHttpFaultProxy } from './support/http-fault-proxy';
import { createMqttTap } from './support/mqtt-tap';
import { readRss } from './support/rss';
import { waitForSettled, type SettleOutcome } from './support/settle';
import { startTcpProxy } from './support/tcp-proxy';

afterAll(async () => {
  await stopEverything();
});

async function canConnect(port: number): Promise<'connected' | 'reset'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('data', () => undefined);
    socket.once('connect', () => {
      socket.once('close', () => resolve('reset'));
      setTimeout(() => {
        socket.destroy();
        resolve('connected');
      }, 200);
    });
    socket.once('error', () => resolve('reset'));
  });
}

describe('the chaos harness', () => {
  it('counts QoS 1 PUBLISHes and PUBACKs between a client and a broker through the proxy', async () => {
    // GIVEN a broker behind a tapped proxy, and a subscriber with a persistent session
    const broker = track('broker', await startEmbeddedBroker());
    const tap = createMqttTap();
    const proxy = track('proxy', await startTcpProxy({ targetPort: broker.port, tap: tap.tap }));
    const subscriber = await mqtt.connectAsync(`mqtt://127.0.0.1:${proxy.port}`, {
      clientId: 'harness-sub',
      clean: false,
      reconnectPeriod: 0,
    });
    await subscriber.subscribeAsync('t/#', { qos: 1 });
    const publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { reconnectPeriod: 0 });
    const received = new Promise<void>((resolve) => {
      let n = 0;
      subscriber.on('message', () => {
        if (++n === 20) resolve();
      });
    });

    // WHEN 20 messages are published at QoS 1
    for (let i = 0; i < 20; i++) await publisher.publishAsync(`t/${i}`, `m${i}`, { qos: 1 });
    await received;
    await new Promise((r) => setTimeout(r, 200));

    // THEN the tap saw the connect, 20 PUBLISHes to the client and 20 PUBACKs back, in order
    expect(tap.counts.connects).toBe(1);
    expect(tap.counts.connacks[0]).toBe(1);
    expect(tap.counts.subackCodes).toEqual([1]);
    expect(tap.counts.publishesToBridge).toBe(20);
    expect(tap.counts.pubacksFromBridge).toBe(20);
    expect(tap.counts.outOfOrderPubacks).toBe(0);
    expect(tap.counts.unexpectedPubacks).toBe(0);
    await subscriber.endAsync(true);
    await publisher.endAsync();
  });

  it('matches each PUBACK to the oldest PUBLISH with its id, also when the broker reuses an id still in flight', () => {
    const tap = createMqttTap();
    const conn = tap.tap(1, () => undefined);
    const publish = (id: number, dup = false) =>
      Buffer.from([dup ? 0x3a : 0x32, 6, 0, 1, 0x74, id >> 8, id & 0xff, 0x78]);
    const puback = (id: number) => Buffer.from([0x40, 2, id >> 8, id & 0xff]);
    // GIVEN id 7 sent twice for two messages, and id 8 redelivered with DUP while outstanding, split across chunks
    const fromServer = Buffer.concat([publish(7), publish(8), publish(7), publish(8, true)]);
    conn.fromServer!(fromServer.subarray(0, 5));
    conn.fromServer!(fromServer.subarray(5));
    // WHEN the client acknowledges 7, 8, 7, then 9 (never sent)
    conn.fromClient!(Buffer.concat([puback(7), puback(8), puback(7), puback(9)]));
    // THEN one reuse, one DUP, no PUBACK out of order, one unexpected
    expect(tap.counts.publishesToBridge).toBe(4);
    expect(tap.counts.dupPublishesToBridge).toBe(1);
    expect(tap.counts.reusedPacketIds).toBe(1);
    expect(tap.counts.pubacksFromBridge).toBe(4);
    expect(tap.counts.outOfOrderPubacks).toBe(0);
    expect(tap.counts.unexpectedPubacks).toBe(1);
  });

  it('refuses and black-holes connections on demand, and passes again after', async () => {
    const target = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    track('target', { stop: () => new Promise<void>((r) => target.close(() => r())) });
    const address = target.address();
    const proxy = track(
      'proxy',
      await startTcpProxy({ targetPort: typeof address === 'object' && address ? address.port : 0 }),
    );

    expect(await canConnect(proxy.port)).toBe('connected');
    proxy.setMode('refuse');
    expect(await canConnect(proxy.port)).toBe('reset');
    proxy.setMode('blackhole');
    expect(await canConnect(proxy.port)).toBe('connected');
    proxy.setMode('pass');
    const res = await fetch(`http://127.0.0.1:${proxy.port}/`);
    expect(await res.text()).toBe('ok');
    expect(proxy.connections).toBe(4);
  });

  it('answers as a throttled DynamoDB in throttle mode and forwards in pass mode', async () => {
    const target = createServer((_req, res) => res.end('{}'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
    track('target', { stop: () => new Promise<void>((r) => target.close(() => r())) });
    const address = target.address();
    const proxy = track(
      'ddb-proxy',
      await startHttpFaultProxy(typeof address === 'object' && address ? address.port : 0),
    );

    proxy.mode = 'throttle';
    const throttled = await fetch(proxy.endpoint, { method: 'POST', body: '{}' });
    expect(throttled.status).toBe(400);
    expect(((await throttled.json()) as { __type: string }).__type).toMatch(/ProvisionedThroughputExceededException$/);
    proxy.mode = 'pass';
    const passed = await fetch(proxy.endpoint, { method: 'POST', body: '{}' });
    expect(passed.status).toBe(200);
    expect(proxy.faulted).toBe(1);
    expect(proxy.forwarded).toBe(1);
  });

  it('reads a live process resident memory from /proc', () => {
    const r = readRss(process.pid);
    expect(r?.rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(r?.hwm).toBeGreaterThanOrEqual(r!.rss);
  });
});

/**
 * A pipeline on a fake clock for the settle rule: `stored(t)` records are in the tables at second t, `total` are due,
 * `lost` of them never arrive. Sleeping and waiting for the poller advance the clock instead of taking time.
 */
function fakePipeline(stored: (seconds: number) => number, total: number, lost = 0) {
  let t = 0;
  const processed = () => Math.min(total, Math.floor(stored(t / 1000)));
  return {
    now: () => t,
    sleep: async (ms: number) => void (t += ms),
    progress: processed,
    caughtUp: async (timeoutMillis: number) => {
      const until = t + timeoutMillis;
      while (t < until && processed() < total) t += 100;
      return processed() >= total;
    },
    audit: async () => ({ balanced: lost === 0 && processed() >= total }),
  };
}

describe('settling: a scenario waits while the pipeline moves and gives up when it stops', () => {
  const limits = { stallMillis: 60_000, capMillis: 900_000 };
  it.each<[string, (s: number) => number, number, SettleOutcome, number, number]>([
    // name, records stored by second s, records lost, outcome, ended after at least / at most seconds
    ['a slow machine storing 200 records/s settles after the old 300 s limit', (s) => 200 * s, 0, 'balanced', 500, 502],
    ['a fast machine settles at once', (s) => 5000 * s, 0, 'balanced', 20, 22],
    [
      'a pause shorter than the stall window (a retry backoff) is waited out',
      (s) => (s < 50 ? 1000 * s : s < 90 ? 50_000 : 1000 * (s - 40)),
      0,
      'balanced',
      140,
      142,
    ],
    ['a lost record fails one stall window after the last record moved', (s) => 1000 * s, 1, 'stalled', 160, 162],
    ['a pipeline that never moves fails after one stall window', () => 0, 0, 'stalled', 60, 62],
    ['a pipeline that moves too slowly for the cap ends at the cap', (s) => 10 * s, 0, 'cap', 900, 922],
  ])('%s', async (_name, stored, lost, outcome, atLeast, atMost) => {
    const pipeline = fakePipeline(stored, 100_000, lost);
    const ended = await waitForSettled(pipeline, limits);
    expect(ended.outcome).toBe(outcome);
    expect(ended.audit.balanced).toBe(outcome === 'balanced');
    expect(ended.settledAt / 1000).toBeGreaterThanOrEqual(atLeast);
    expect(ended.settledAt / 1000).toBeLessThanOrEqual(atMost);
  });
});
