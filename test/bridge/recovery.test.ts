/**
 * Recovery: partial PutRecords failures are retried alone until written; a broker restart with persistence loses
 * nothing; a 10,000-message backlog waiting in a persistent session drains with no message acknowledged before written.
 */
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import type { Bridge } from '../../bridge/src/bridge';
import { pairAcks } from './ack-pairs';
import {
  bridgeEnv,
  createSession,
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
import { observePutRecords, type FailEntry } from './kinesis-fault';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

jest.setTimeout(90_000);

describe('recovery', () => {
  let broker: Mosquitto | undefined;
  let kinesis: TestKinesis;
  let bridge: Bridge | undefined;
  const proxies: TcpProxy[] = [];

  beforeEach(async () => {
    kinesis = await startTestKinesis();
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    for (const p of proxies.splice(0)) await p.stop();
    await kinesis.stop();
    await broker?.destroy();
    broker = undefined;
  });

  async function start(fail?: FailEntry, env: Record<string, string> = {}, tap = false) {
    const b = broker!;
    let url = b.url;
    let proxy: TcpProxy | undefined;
    if (tap) {
      proxy = await startTcpProxy(b.port, { tapMqtt: true });
      proxies.push(proxy);
      url = `mqtt://127.0.0.1:${proxy.port}`;
    }
    const client = kinesisClientFor(kinesis.endpoint);
    const observed = observePutRecords(client, fail);
    bridge = await startInProcessBridge(bridgeEnv(url, kinesis.endpoint, env), { kinesisClient: client });
    return { ...observed, proxy };
  }

  it('retries only the entries that failed, until each is written, and acknowledges them after', async () => {
    // GIVEN Kinesis failing every third entry of the first five PutRecords calls
    broker = await startMosquitto({ maxInflightMessages: 100 });
    const { calls, writtenAt, proxy } = await start((call, i) => call <= 5 && i % 3 === 0, {}, true);
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
    // WHEN 600 messages are published
    await publishAll(broker.url, numbered(600));
    await waitUntil(() => bridge!.status().acked >= 600, 30_000, 'all acked');
    // THEN the call after each partial failure carried exactly the failed entries, alone
    for (let i = 0; i < calls.length - 1; i++) {
      const call = calls[i]!;
      const failed = call.sent.filter((n) => !call.written.includes(n));
      if (failed.length > 0) expect(calls[i + 1]!.sent).toEqual(failed);
    }
    expect(calls.slice(0, 5).some((c) => c.written.length < c.sent.length)).toBe(true);
    expect(bridge!.status().putRecordsRetries).toBeGreaterThan(0);
    // AND every message is in Kinesis exactly once, and acknowledged only after it was written
    const records = await kinesis.readAll();
    expect(records).toHaveLength(600);
    expect(numbersIn(records).size).toBe(600);
    for (const p of pairAcks(proxy!.packets)) expect(writtenAt.get(p.n)!).toBeLessThan(p.ackSeq);
  });

  it('loses nothing when the broker restarts with unacknowledged messages in flight', async () => {
    // GIVEN mosquitto with persistence, a bridge, and Kinesis unreachable so that nothing can be acknowledged
    broker = await startMosquitto({ maxInflightMessages: 100 });
    const kinesisProxy = await startTcpProxy(kinesis.local.port);
    proxies.push(kinesisProxy);
    const endpoint = `http://127.0.0.1:${kinesisProxy.port}`;
    bridge = await startInProcessBridge(bridgeEnv(broker.url, endpoint), { kinesisClient: kinesisClientFor(endpoint) });
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
    kinesisProxy.down();
    await publishAll(broker.url, numbered(1000));
    await waitUntil(() => bridge!.status().received >= 100, 10_000, 'messages received');
    // WHEN the broker restarts and then Kinesis comes back
    broker = await broker.restart();
    await waitUntil(() => bridge!.status().reconnects >= 1 && bridge!.status().subscribed, 20_000, 'reconnected');
    kinesisProxy.up();
    // THEN all 1,000 are in Kinesis, the session survived, and 500 more published afterwards arrive too
    await publishAll(broker.url, numbered(1500).slice(1000));
    await waitUntil(async () => numbersIn(await kinesis.readAll()).size === 1500, 40_000, 'all 1,500 in Kinesis');
    expect(bridge!.status().sessionsLost).toBe(0);
    await waitUntil(() => bridge!.status().pending === 0, 10_000, 'nothing pending');
  });

  it('drains a 10,000-message backlog from a persistent session, acknowledging none before it is written', async () => {
    // GIVEN 10,000 messages queued for the bridge's session while no bridge runs
    broker = await startMosquitto();
    await createSession(broker.url, 'bridge-test', ['meters/outbound/c1/#']);
    const count = 10_000;
    await publishAll(broker.url, numbered(count));
    // WHEN the bridge starts
    const t0 = Date.now();
    const { writtenAt, proxy } = await start(undefined, {}, true);
    await waitUntil(() => bridge!.status().acked >= count, 60_000, 'the backlog acked');
    const seconds = (Date.now() - t0) / 1000;
    const pubacks = () => proxy!.packets.filter((p) => p.packet.cmd === 'puback').length;
    await waitUntil(() => pubacks() >= count, 10_000, 'all PUBACKs through the proxy');
    // THEN all are in Kinesis and no PUBACK preceded its record's write
    expect(numbersIn(await kinesis.readAll()).size).toBe(count);
    const pairs = pairAcks(proxy!.packets);
    expect(pairs.length).toBeGreaterThanOrEqual(count);
    for (const p of pairs) expect(writtenAt.get(p.n)!).toBeLessThan(p.ackSeq);
    console.log(
      `backlog of ${count} drained in ${seconds.toFixed(1)} s (${Math.round(count / seconds)} messages/s, mosquitto in-flight 20), rss ${Math.round(process.memoryUsage.rss() / 2 ** 20)} MiB`,
    );
    await sleep(0);
  });
});
