/**
 * The benchmark's window proxy (bench/support/window-proxy.ts) in front of a real mosquitto whose own window is off:
 * it must let no more than W QoS 1 PUBLISHes be unacknowledged on a connection, release one per PUBACK, frame
 * packets split anywhere, and count what it saw. The enforced-window figures are only as true as this.
 */
import mqtt from 'mqtt';
import { isPuback, isQos1Publish, MqttFramer, startWindowProxy } from '../../bench/support/window-proxy';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';

jest.setTimeout(30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('MqttFramer', () => {
  // PUBLISH QoS 1 "a/b" id 1 payload "x"; PUBACK id 1; a PUBLISH with a 200-byte payload (2-byte remaining length)
  const publish = Buffer.from([0x32, 0x08, 0x00, 0x03, 0x61, 0x2f, 0x62, 0x00, 0x01, 0x78]);
  const puback = Buffer.from([0x40, 0x02, 0x00, 0x01]);
  const long = Buffer.concat([Buffer.from([0x30, 0xcd, 0x01, 0x00, 0x03, 0x61, 0x2f, 0x62]), Buffer.alloc(200, 1)]);
  const stream = Buffer.concat([publish, puback, long, publish]);

  it.each([1, 2, 3, 7, stream.length])('frames whole packets from chunks of %i byte(s)', (size) => {
    const framer = new MqttFramer();
    const packets: Buffer[] = [];
    for (let i = 0; i < stream.length; i += size) packets.push(...framer.push(stream.subarray(i, i + size)));
    expect(packets.map((p) => p.length)).toEqual([publish.length, puback.length, long.length, publish.length]);
    expect(packets.map((p) => [isQos1Publish(p), isPuback(p)])).toEqual([
      [true, false],
      [false, true],
      [false, false],
      [true, false],
    ]);
  });
});

describe('window proxy', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto({ maxInflightMessages: 0 });
  });
  afterAll(async () => {
    await broker.destroy();
  });

  it('lets no more than W PUBLISHes be unacknowledged, and one more through per PUBACK', async () => {
    // GIVEN a proxy with W = 5 and 10 ms of round trip, and a subscriber that holds every PUBACK back
    const proxy = await startWindowProxy({ targetPort: broker.port, window: 5, rttMillis: 10 });
    const sub = mqtt.connect(proxy.url, { clientId: 'window-sub', clean: true, reconnectPeriod: 0 });
    // as the bridge defers: cb(error) makes MQTT.js go on without a PUBACK; the PUBACK is written later
    const writer = sub as unknown as { _writePacket(p: { cmd: 'puback'; messageId: number }): void };
    const deferred = new Error('deferred');
    const callbacks: Array<() => void> = [];
    sub.handleMessage = (packet, callback) => {
      callbacks.push(() => writer._writePacket({ cmd: 'puback', messageId: packet.messageId as number }));
      callback(deferred);
    };
    await new Promise<void>((resolve) => sub.on('connect', () => resolve()));
    await sub.subscribeAsync('w/#', { qos: 1 });
    // WHEN 50 messages are published straight to the broker
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'window-pub', reconnectPeriod: 0 });
    await Promise.all(Array.from({ length: 50 }, (_, i) => pub.publishAsync(`w/${i}`, String(i), { qos: 1 })));
    await sleep(500);
    // THEN only W arrived while nothing was acknowledged
    expect(callbacks).toHaveLength(5);
    expect(proxy.maxUnacked).toBe(5);
    // WHEN two are acknowledged
    callbacks[0]!();
    callbacks[1]!();
    await sleep(300);
    // THEN exactly two more came
    expect(callbacks).toHaveLength(7);
    // WHEN every message is acknowledged as it comes
    sub.handleMessage = (packet, callback) => {
      callbacks.push(() => {});
      writer._writePacket({ cmd: 'puback', messageId: packet.messageId as number });
      callback(deferred);
    };
    for (const cb of callbacks.slice(2, 7)) cb();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${callbacks.length} of 50 arrived`)), 10_000);
      const poll = setInterval(() => {
        if (callbacks.length >= 50) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve();
        }
      }, 10);
    });
    // THEN all 50 arrived and the window never opened wider than W
    expect(proxy.maxUnacked).toBe(5);
    expect(proxy.published).toBe(50);
    await pub.endAsync();
    await sub.endAsync(true);
    await proxy.stop();
  });
});
