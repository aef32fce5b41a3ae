/**
 * Messages reach Kinesis byte-exact with their topics, through the embedded broker (aedes) and mosquitto; an oversized
 * message is forwarded as too-large without blocking the session; the status counters add up.
 */
import { randomBytes } from 'node:crypto';
import { MAX_PAYLOAD_BYTES, TRUNCATED_PREFIX_BYTES, partitionKeyFor } from '../../core';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../local/services/embedded-broker';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import type { Bridge } from '../../bridge/src/bridge';
import {
  bridgeEnv,
  publishAll,
  startInProcessBridge,
  startTestKinesis,
  topicFor,
  waitUntil,
  type TestKinesis,
} from './harness';

jest.setTimeout(60_000);

describe('delivery', () => {
  let kinesis: TestKinesis;
  let bridge: Bridge | undefined;
  beforeEach(async () => {
    kinesis = await startTestKinesis();
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
    await kinesis.stop();
  });

  it.each([
    ['the embedded broker (aedes)', 'aedes'],
    ['mosquitto', 'mosquitto'],
  ])('forwards every message byte-exact with its topic through %s', async (_name, kind) => {
    // GIVEN a broker and a running bridge
    const broker: EmbeddedBroker | Mosquitto = kind === 'aedes' ? await startEmbeddedBroker() : await startMosquitto();
    try {
      bridge = await startInProcessBridge(bridgeEnv(broker.url, kinesis.endpoint));
      await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
      // WHEN arbitrary payloads (binary, empty, UTF-8, JSON) are published on several topics
      const messages = [
        { topic: topicFor(1), payload: Buffer.from('{"smarteo_payload_schema_version":1,"meter_reading":123.456}') },
        { topic: topicFor(2), payload: Buffer.alloc(0) },
        { topic: topicFor(3), payload: randomBytes(1000) },
        { topic: 'meters/outbound/c1/s-ü/m-é', payload: Buffer.from('ünïcödé ✓') },
        ...Array.from({ length: 200 }, (_, i) => ({ topic: topicFor(i % 7), payload: randomBytes(i) })),
      ];
      await publishAll(broker.url, messages);
      // THEN each arrives in Kinesis with its exact bytes and topic, and every message is acknowledged
      await waitUntil(() => bridge!.status().acked >= messages.length, 20_000, 'all acked');
      const records = await kinesis.readAll();
      const got = records.map((r) => `${r.topic} ${Buffer.from(r.payload).toString('hex')}`).sort();
      const want = messages.map((m) => `${m.topic} ${m.payload.toString('hex')}`).sort();
      expect(got).toEqual(want);
      expect(records.every((r) => !r.truncated && r.size === r.payload.byteLength)).toBe(true);
      const s = bridge.status();
      expect(s).toMatchObject({
        received: messages.length,
        written: messages.length,
        acked: messages.length,
        pending: 0,
      });
    } finally {
      await bridge?.stop();
      bridge = undefined;
      await ('destroy' in broker ? broker.destroy() : broker.stop());
    }
  });

  it('forwards a message larger than a Kinesis record as too-large, and the session goes on', async () => {
    // GIVEN mosquitto and a running bridge
    const broker = await startMosquitto();
    try {
      bridge = await startInProcessBridge(bridgeEnv(broker.url, kinesis.endpoint));
      await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
      // WHEN a 2 MiB message is published between two small ones
      const big = randomBytes(2 * 1024 * 1024);
      await publishAll(broker.url, [
        { topic: topicFor(1), payload: 'before' },
        { topic: topicFor(2), payload: big },
        { topic: topicFor(3), payload: 'after' },
      ]);
      // THEN all three are written and acknowledged; the big one truncated with its real size
      await waitUntil(() => bridge!.status().acked >= 3, 20_000, 'all acked');
      const records = await kinesis.readAll();
      expect(records).toHaveLength(3);
      const truncated = records.find((r) => r.topic === topicFor(2));
      expect(truncated).toMatchObject({ truncated: true, size: big.byteLength });
      expect(truncated!.size).toBeGreaterThan(MAX_PAYLOAD_BYTES);
      expect(Buffer.from(truncated!.payload).equals(big.subarray(0, TRUNCATED_PREFIX_BYTES))).toBe(true);
      expect(
        records
          .map((r) => Buffer.from(r.payload).toString())
          .filter((p) => p.length < 10)
          .sort(),
      ).toEqual(['after', 'before']);
      expect(partitionKeyFor(topicFor(2))).toBe('c1/m2');
    } finally {
      await bridge?.stop();
      bridge = undefined;
      await broker.destroy();
    }
  });
});
