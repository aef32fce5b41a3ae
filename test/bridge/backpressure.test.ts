/**
 * Bounded memory and MQTT 5: the window bound holds across a keepalive timeout while Kinesis is away (messages of the
 * dropped connection keep counting until written); MQTT 5's receive maximum limits what the broker sends; its session
 * expiry keeps the session across a disconnect.
 */
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import type { Bridge } from '../../bridge/src/bridge';
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
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { pairAcks } from './ack-pairs';
import { observePutRecords } from './kinesis-fault';

jest.setTimeout(60_000);

describe('backpressure and MQTT 5', () => {
  let broker: Mosquitto;
  let kinesis: TestKinesis;
  let kinesisProxy: TcpProxy;
  let endpoint: string;
  let bridge: Bridge | undefined;

  beforeEach(async () => {
    broker = await startMosquitto({ maxInflightMessages: 0 });
    kinesis = await startTestKinesis();
    kinesisProxy = await startTcpProxy(kinesis.local.port);
    endpoint = `http://127.0.0.1:${kinesisProxy.port}`;
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    await kinesisProxy.stop();
    await kinesis.stop();
    await broker.destroy();
  });

  function start(env: Record<string, string>) {
    return startInProcessBridge(bridgeEnv(broker.url, endpoint, env), { kinesisClient: kinesisClientFor(endpoint) });
  }

  it('keeps within its bound across keepalive timeouts while Kinesis is away, then catches up', async () => {
    // GIVEN a bridge bounded to 30 messages with a 1 s keepalive, behind a packet-recording proxy, Kinesis unreachable
    const mqttProxy = await startTcpProxy(broker.port, { tapMqtt: true });
    try {
      const client = kinesisClientFor(endpoint);
      const { writtenAt } = observePutRecords(client);
      bridge = await startInProcessBridge(
        bridgeEnv(`mqtt://127.0.0.1:${mqttProxy.port}`, endpoint, {
          BRIDGE_MAX_PENDING_MESSAGES: '30',
          MQTT_KEEPALIVE_SECONDS: '1',
        }),
        { kinesisClient: client },
      );
      await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
      kinesisProxy.down();
      // WHEN 1,000 messages wait at the broker for 5 s (the held pipeline cannot read PINGRESP: reconnects follow)
      await publishAll(broker.url, numbered(1000));
      let maxPending = 0;
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        maxPending = Math.max(maxPending, bridge.status().pending);
        await sleep(50);
      }
      // THEN the bound held through the reconnects and nothing was acknowledged
      const during = bridge.status();
      expect(during.reconnects).toBeGreaterThanOrEqual(1);
      expect(maxPending).toBeLessThanOrEqual(30);
      expect(during.acked).toBe(0);
      // WHEN Kinesis comes back THEN everything arrives and the window empties
      kinesisProxy.up();
      await waitUntil(async () => numbersIn(await kinesis.readAll()).size === 1000, 40_000, 'all 1,000 in Kinesis');
      await waitUntil(() => bridge!.status().pending === 0, 20_000, 'nothing pending');
      // AND the messages of closed connections were written but never acknowledged (their ids died with them);
      // every PUBACK answers a PUBLISH of its own connection, after that message's record was written
      expect(bridge.status().notAcked).toBeGreaterThan(0);
      await sleep(200);
      for (const p of pairAcks(mqttProxy.packets)) expect(writtenAt.get(p.n)!).toBeLessThan(p.ackSeq);
    } finally {
      await bridge?.stop();
      bridge = undefined;
      await mqttProxy.stop();
    }
  });

  it('with MQTT 5, the broker sends no more than the receive maximum while nothing is acknowledged', async () => {
    // GIVEN an MQTT 5 bridge advertising a receive maximum of 10 (its own window is larger), Kinesis unreachable
    bridge = await start({
      MQTT_PROTOCOL_VERSION: '5',
      MQTT_RECEIVE_MAXIMUM: '10',
      BRIDGE_MAX_PENDING_MESSAGES: '500',
    });
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
    kinesisProxy.down();
    // WHEN 300 messages are published
    await publishAll(broker.url, numbered(300));
    await sleep(1_500);
    // THEN only 10 were sent to it
    expect(bridge.status().received).toBe(10);
    // AND after Kinesis returns, all arrive
    kinesisProxy.up();
    await waitUntil(() => bridge!.status().acked >= 300, 30_000, 'all acked');
    expect(numbersIn(await kinesis.readAll()).size).toBe(300);
  });

  it('with MQTT 5 and a session expiry, a later bridge finds the session and the messages queued meanwhile', async () => {
    // GIVEN an MQTT 5 bridge that subscribed, then stopped
    const env = { MQTT_PROTOCOL_VERSION: '5', MQTT_SESSION_EXPIRY_SECONDS: '300' };
    bridge = await start(env);
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
    await bridge.stop();
    // WHEN 200 messages are published while it is away, and a new bridge starts
    await publishAll(broker.url, numbered(200));
    bridge = await start(env);
    // THEN it receives them all
    await waitUntil(() => bridge!.status().acked >= 200, 20_000, 'all acked');
    expect(numbersIn(await kinesis.readAll()).size).toBe(200);
  });
});
