/** The pure parts of the bridge: the ack window's order and bound, backoff growth, EMF metrics, secret parsing. */
import { AckWindow } from '../../bridge/src/ack-window';
import { backoffDelay } from '../../bridge/src/backoff';
import { parseSecret } from '../../bridge/src/credentials';
import { BridgeMetrics } from '../../bridge/src/metrics';
import { MqttClient } from 'mqtt';
import { VERIFIED_MQTT_VERSION, assertDeferredAckSupport } from '../../bridge/src/mqtt-session';
import { BRIDGE_METRICS_NAMESPACE, BridgeMetric, CLIENT_ID_DIMENSION } from '../../bridge/src/metric-names';

describe('AckWindow', () => {
  it('releases messages in receive order per connection, only when all before them are written', () => {
    // GIVEN five messages on one connection and one on another
    const a = { id: 1 };
    const b = { id: 2 };
    const w = new AckWindow<{ id: number }>(10, 1_000_000);
    const d = [1, 2, 3, 4, 5].map((id) => w.add(a, id, 10, id));
    const other = w.add(b, 1, 10, 6);
    // WHEN 2 and 3 are written, then 1, then the other connection's
    expect(w.markWritten([d[1]!, d[2]!])).toEqual([]);
    expect(w.markWritten([d[0]!]).map((x) => x.messageId)).toEqual([1, 2, 3]);
    expect(w.markWritten([other]).map((x) => x.connection.id)).toEqual([2]);
    // THEN the counts follow
    expect(w.pendingMessages).toBe(2);
    expect(w.pendingBytes).toBe(20);
    expect(w.oldestAgeMillis(10)).toBe(6);
  });

  it('is full at the message or byte bound', () => {
    const w = new AckWindow(2, 100);
    w.add({ id: 1 }, 1, 10, 0);
    expect(w.full).toBe(false);
    w.add({ id: 1 }, 2, 10, 0);
    expect(w.full).toBe(true);
    const bytes = new AckWindow(100, 100);
    bytes.add({ id: 1 }, 1, 100, 0);
    expect(bytes.full).toBe(true);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially within equal jitter and stops at the maximum', () => {
    const o = { minMillis: 100, maxMillis: 1000 };
    expect(backoffDelay(0, o)).toBe(0);
    expect([1, 2, 3, 4, 5].map((f) => backoffDelay(f, o, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5].map((f) => backoffDelay(f, o, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });
});

describe('BridgeMetrics', () => {
  it('emits one EMF line with every metric name, its namespace and dimensions, as deltas and extremes', () => {
    // GIVEN counters and gauges that change between two emissions
    const counters = { received: 10, written: 8, putRecordsRetries: 1, reconnects: 0, sessionsLost: 0 };
    const gauges = { connected: true, pending: 2, oldestPendingAgeMillis: 30 };
    const lines: string[] = [];
    const m = new BridgeMetrics({ counters: () => counters, gauges: () => gauges }, 'feed-1', (l) => lines.push(l));
    m.start(3_600_000);
    m.stop();
    m.recordLatency(12);
    m.emit(1000);
    counters.received = 15;
    gauges.connected = false;
    m.emit(2000);
    // THEN
    const first = JSON.parse(lines[0]!) as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } };
    expect(first._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: BRIDGE_METRICS_NAMESPACE,
        Dimensions: [['service', CLIENT_ID_DIMENSION]],
        Metrics: expect.arrayContaining(
          Object.values(BridgeMetric).map((name) => expect.objectContaining({ Name: name })),
        ),
      },
    ]);
    expect(first).toMatchObject({
      service: 'bridge',
      ClientId: 'feed-1',
      MessagesReceived: 10,
      RecordsWritten: 8,
      Connected: 1,
      PendingMessages: 2,
      OldestPendingAgeMillis: 30,
      ForwardLatencyMillis: [12],
    });
    const second = JSON.parse(lines[1]!) as Record<string, unknown>;
    expect(second).toMatchObject({ MessagesReceived: 5, RecordsWritten: 0, Connected: 0 });
    expect(second.ForwardLatencyMillis).toBeUndefined();
  });
});

describe('parseSecret', () => {
  it('reads {"username","password"}', () => {
    expect(parseSecret('s', '{"username":"u","password":"p"}')).toEqual({ username: 'u', password: 'p' });
  });
  it.each([['not json'], ['[]'], ['{"username":"u"}'], ['{"username":"","password":"x"}']])(
    'fails without quoting the secret for %s',
    (text) => {
      expect(() => parseSecret('my-secret', text)).toThrow(/secret "my-secret" \(MQTT_CREDENTIALS_SECRET_ID\)/);
      try {
        parseSecret('my-secret', text);
      } catch (err) {
        expect((err as Error).message).not.toContain(text);
      }
    },
  );
});

describe('the pinned MQTT.js', () => {
  it('is the version the deferred PUBACK was verified on (re-verify mqtt-session.ts before changing it)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect((require('mqtt/package.json') as { version: string }).version).toBe(VERIFIED_MQTT_VERSION);
    expect(MqttClient.VERSION).toBe(VERIFIED_MQTT_VERSION);
    expect(() => assertDeferredAckSupport()).not.toThrow();
  });
});
