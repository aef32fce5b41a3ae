/**
 * The acknowledgement mechanism against a real mosquitto, observed on the wire (a proxy that parses every packet with
 * mqtt-packet): a PUBACK leaves the bridge only after Kinesis accepted the message's record, PUBACKs follow the order of
 * the PUBLISHes, and none leaves while Kinesis is unavailable. These fail if MQTT.js (pinned 5.16.0) ever acknowledges
 * a message whose handleMessage callback got an error, or stops handling packets after one.
 */
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import type { Bridge } from '../../bridge/src/bridge';
import {
  bridgeEnv,
  kinesisClientFor,
  noDelayOfSocketsTo,
  numbered,
  publishAll,
  startInProcessBridge,
  startTestKinesis,
  waitUntil,
  sleep,
  type TestKinesis,
  numbersIn,
} from './harness';
import { delayPutRecords, observePutRecords } from './kinesis-fault';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { pairAcks } from './ack-pairs';

jest.setTimeout(60_000);

describe('acknowledgement after persist', () => {
  let broker: Mosquitto;
  let kinesis: TestKinesis;
  let mqttProxy: TcpProxy;
  let kinesisProxy: TcpProxy;
  let bridge: Bridge | undefined;

  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    await mqttProxy.stop();
    await kinesisProxy.stop();
    await kinesis.stop();
    await broker.destroy();
  });

  async function setUp(
    brokerOptions: Parameters<typeof startMosquitto>[0],
    env: Record<string, string> = {},
    latencyOfCall?: (call: number) => number,
  ) {
    broker = await startMosquitto(brokerOptions);
    kinesis = await startTestKinesis();
    mqttProxy = await startTcpProxy(broker.port, { tapMqtt: true });
    kinesisProxy = await startTcpProxy(kinesis.local.port);
    const kinesisEndpoint = `http://127.0.0.1:${kinesisProxy.port}`;
    const client = kinesisClientFor(kinesisEndpoint);
    const observed = observePutRecords(client);
    if (latencyOfCall) delayPutRecords(client, latencyOfCall);
    bridge = await startInProcessBridge(bridgeEnv(`mqtt://127.0.0.1:${mqttProxy.port}`, kinesisEndpoint, env), {
      kinesisClient: client,
    });
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
    return observed;
  }

  it('sends each PUBACK only after Kinesis accepted the record, in the order the PUBLISHes came in', async () => {
    // GIVEN mosquitto with an in-flight window of 20 and a bridge behind a packet-recording proxy
    const { writtenAt, calls } = await setUp({ maxInflightMessages: 20 });
    // WHEN 1,000 messages are published
    const messages = numbered(1000);
    await publishAll(broker.url, messages);
    await waitUntil(() => bridge!.status().acked >= 1000, 30_000, 'all acked');
    // (the last PUBACKs may still be on their way through the proxy)
    const pubacks = () => mqttProxy.packets.filter((p) => p.packet.cmd === 'puback').length;
    await waitUntil(() => pubacks() >= 1000, 10_000, 'all PUBACKs through the proxy');
    // THEN every PUBACK on the wire comes after the PutRecords answer that accepted its record
    const pairs = pairAcks(mqttProxy.packets);
    expect(pairs).toHaveLength(1000);
    for (const p of pairs) {
      const written = writtenAt.get(p.n);
      expect(written).toBeDefined();
      expect(written!).toBeLessThan(p.ackSeq);
    }
    // AND PUBACKs follow the PUBLISH order
    const publishOrder = [...pairs].sort((a, b) => a.publishSeq - b.publishSeq).map((p) => p.n);
    expect(pairs.map((p) => p.n)).toEqual(publishOrder);
    // AND the window was used: several messages per PutRecords call, not one per round trip
    expect(calls.length).toBeLessThan(500);
    expect(numbersIn(await kinesis.readAll()).size).toBe(1000);
    // AND the socket to the broker has Nagle's algorithm off: a batch's PUBACKs never wait in the kernel for the TCP
    // ACK of the batch before (on a real round trip that cost a third of the throughput: bench/broker-window.ts)
    expect(noDelayOfSocketsTo(mqttProxy.port)).toEqual([true]);
  });

  it('sends PUBACKs in PUBLISH order when a later PutRecords call is answered before an earlier one', async () => {
    // GIVEN a bridge with several calls in flight, where every third PutRecords call takes 300 ms and the others 5 ms
    const { writtenAt, calls } = await setUp(
      { maxInflightMessages: 100 },
      { BRIDGE_MAX_CALLS_IN_FLIGHT: '4', BRIDGE_MAX_BATCH_RECORDS: '20' },
      (call) => (call % 3 === 1 ? 300 : 5),
    );
    // WHEN 600 messages are published
    await publishAll(broker.url, numbered(600));
    await waitUntil(() => bridge!.status().acked >= 600, 30_000, 'all acked');
    const pubacks = () => mqttProxy.packets.filter((p) => p.packet.cmd === 'puback').length;
    await waitUntil(() => pubacks() >= 600, 10_000, 'all PUBACKs through the proxy');
    // THEN some records were written before records received earlier (calls overtook each other)
    const pairs = pairAcks(mqttProxy.packets);
    const byPublish = [...pairs].sort((a, b) => a.publishSeq - b.publishSeq);
    const overtaken = byPublish.some((p, i) => i > 0 && writtenAt.get(p.n)! < writtenAt.get(byPublish[i - 1]!.n)!);
    expect(overtaken).toBe(true);
    expect(calls.length).toBeGreaterThan(30);
    // AND still every PUBACK follows its record's write, and PUBACKs follow the PUBLISH order
    for (const p of pairs) expect(writtenAt.get(p.n)!).toBeLessThan(p.ackSeq);
    expect(pairs.map((p) => p.n)).toEqual(byPublish.map((p) => p.n));
    expect(numbersIn(await kinesis.readAll()).size).toBe(600);
  });

  it('sends no PUBACK while Kinesis is unavailable, holds at most the configured window, and recovers fully', async () => {
    // GIVEN an unlimited broker in-flight window, a bridge bounded to 50 pending messages, and Kinesis unreachable
    await setUp({ maxInflightMessages: 0 }, { BRIDGE_MAX_PENDING_MESSAGES: '50' });
    kinesisProxy.down();
    // WHEN 2,000 messages are published and Kinesis stays away for 3 s
    const messages = numbered(2000);
    await publishAll(broker.url, messages);
    await sleep(3_000);
    // THEN nothing was acknowledged and the bridge took no more than its window
    const during = bridge!.status();
    expect(mqttProxy.packets.filter((p) => p.packet.cmd === 'puback')).toHaveLength(0);
    expect(during.acked).toBe(0);
    expect(during.pending).toBeLessThanOrEqual(50);
    expect(during.received).toBeLessThanOrEqual(50);
    expect(during.putRecordsRetries).toBeGreaterThan(0);
    // WHEN Kinesis comes back
    kinesisProxy.up();
    // THEN everything is written and acknowledged
    await waitUntil(() => bridge!.status().acked >= 2000, 40_000, 'all acked after recovery');
    expect(numbersIn(await kinesis.readAll()).size).toBe(2000);
    expect(bridge!.status().pending).toBe(0);
  });
});
