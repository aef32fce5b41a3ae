/**
 * Lanes: one bridge holding several MQTT sessions of one feed, each with its own client id, split by filters or on
 * one MQTT 5 shared subscription, against a real mosquitto and kinesalite: every message is written once and
 * acknowledged on its own lane; what the broker grants in its CONNACK is logged; a shared subscription is refused with
 * a clear line when the broker says it offers none (a broker stand-in that answers CONNECT with that property: no
 * local broker can be told to withhold shared subscriptions). The configuration rules are a table.
 */
import { createServer, type Server, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import type { Bridge } from '../../bridge/src/bridge';
import { loadConfig } from '../../bridge/src/config';
import type { BridgeLogger } from '../../bridge/src/logger';
import { freePort } from '../../local/services/free-port';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import {
  bridgeEnv,
  numbersIn,
  publishAll,
  sleep,
  startInProcessBridge,
  startTestKinesis,
  waitUntil,
  type TestKinesis,
} from './harness';

jest.setTimeout(60_000);

/** A logger that keeps every line. */
function capturingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, message, fields });
  const logger: BridgeLogger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

const base = { MQTT_URL: 'mqtt://127.0.0.1:1883', MQTT_CLIENT_ID: 'feed', KINESIS_STREAM_NAME: 's' };

describe('lane configuration', () => {
  it.each([
    {
      env: { MQTT_TOPICS: 'meters/outbound/c1/#' },
      lanes: [{ clientId: 'feed', topics: ['meters/outbound/c1/#'] }],
    },
    {
      env: { MQTT_LANE_TOPICS: 'meters/outbound/c1/s1/#;meters/outbound/c1/s2/#,meters/outbound/c1/s3/#' },
      lanes: [
        { clientId: 'feed-1', topics: ['meters/outbound/c1/s1/#'] },
        { clientId: 'feed-2', topics: ['meters/outbound/c1/s2/#', 'meters/outbound/c1/s3/#'] },
      ],
    },
    {
      env: {
        MQTT_TOPICS: 'meters/outbound/c1/#',
        MQTT_LANES: '3',
        MQTT_SHARED_GROUP: 'bridge',
        MQTT_PROTOCOL_VERSION: '5',
      },
      lanes: [1, 2, 3].map((n) => ({ clientId: `feed-${n}`, topics: ['$share/bridge/meters/outbound/c1/#'] })),
    },
  ])('gives each lane its own client id and filters: $env', ({ env, lanes }) => {
    expect(loadConfig({ ...base, ...env }).lanes).toEqual(lanes);
  });

  it.each([
    {
      env: { MQTT_TOPICS: 'meters/outbound/c1/#', MQTT_LANES: '2' },
      problem: 'MQTT_LANES is 2 without MQTT_LANE_TOPICS or MQTT_SHARED_GROUP',
    },
    {
      env: { MQTT_TOPICS: 'meters/outbound/c1/#', MQTT_LANES: '2', MQTT_SHARED_GROUP: 'g' },
      problem: 'MQTT_SHARED_GROUP needs MQTT_PROTOCOL_VERSION=5',
    },
    {
      env: { MQTT_TOPICS: 'meters/outbound/c1/#', MQTT_SHARED_GROUP: 'a/b', MQTT_PROTOCOL_VERSION: '5' },
      problem: 'MQTT_SHARED_GROUP must be 1-64 characters',
    },
    {
      env: { MQTT_LANE_TOPICS: 'meters/outbound/c1/s1/#;meters/outbound/c1/s1/#' },
      problem: 'MQTT_LANE_TOPICS names a filter in two lanes',
    },
    {
      env: { MQTT_TOPICS: 'meters/outbound/c1/#', MQTT_LANE_TOPICS: 'meters/outbound/c1/s1/#' },
      problem: 'MQTT_LANE_TOPICS is set, so MQTT_TOPICS must not be',
    },
    {
      env: { MQTT_LANE_TOPICS: 'meters/outbound/c1/s1/#;meters/outbound/c1/s2/#', MQTT_LANES: '3' },
      problem: 'MQTT_LANES is 3 but MQTT_LANE_TOPICS names 2 lane(s)',
    },
    { env: { MQTT_LANE_TOPICS: 'meters/outbound/c1/s1/#;#' }, problem: 'MQTT_LANE_TOPICS lane 2' },
    {
      env: { MQTT_TOPICS: 'meters/outbound/c1/#', MQTT_LANES: '17' },
      problem: 'MQTT_LANES must be an integer from 1 to 16',
    },
  ])('fails with one clear line: $problem', ({ env, problem }) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(problem);
  });
});

describe('lanes against mosquitto', () => {
  let broker: Mosquitto;
  let kinesis: TestKinesis;
  let bridge: Bridge | undefined;

  beforeAll(async () => {
    broker = await startMosquitto({ maxInflightMessages: 20 });
    kinesis = await startTestKinesis();
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
  });
  afterAll(async () => {
    await kinesis.stop();
    await broker.destroy();
  });

  const message = (n: number, subscription: string) => ({
    topic: `meters/outbound/c1/${subscription}/m${n % 10}`,
    payload: Buffer.from(JSON.stringify({ n })),
  });

  it('writes every message once with the feed split by subscription over two lanes, each on its own session', async () => {
    // GIVEN a bridge with two lanes: s1 on one, s2 on the other
    const { logger, lines } = capturingLogger();
    bridge = await startInProcessBridge(
      bridgeEnv(broker.url, kinesis.endpoint, {
        MQTT_CLIENT_ID: 'split-feed',
        MQTT_TOPICS: '',
        MQTT_LANE_TOPICS: 'meters/outbound/c1/s1/#;meters/outbound/c1/s2/#',
      }),
      { logger },
    );
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'both lanes subscribed');
    // WHEN 1,000 messages are published, half to each subscription
    const from = 10_000;
    await publishAll(
      broker.url,
      Array.from({ length: 1000 }, (_, i) => message(from + i, i % 2 === 0 ? 's1' : 's2')),
    );
    await waitUntil(() => bridge!.status().acked >= 1000, 30_000, 'all acked');
    // THEN every message is in Kinesis, and each lane held its own session
    const ns = [...numbersIn(await kinesis.readAll())].filter((n) => n >= from && n < from + 1000);
    expect(ns).toHaveLength(1000);
    const status = bridge.status();
    expect(status.lanes?.map((l) => [l.clientId, l.connected, l.subscribed])).toEqual([
      ['split-feed-1', true, true],
      ['split-feed-2', true, true],
    ]);
    expect(status.received).toBe(1000);
    const subscribed = lines.filter((l) => l.message === 'subscribed').map((l) => l.fields.filters);
    expect(subscribed).toEqual(expect.arrayContaining([['meters/outbound/c1/s1/#'], ['meters/outbound/c1/s2/#']]));
  });

  it('with MQTT 5, shares one subscription over three lanes, writes each message once, logs the grants', async () => {
    // GIVEN a bridge with three lanes on $share/bridge/meters/outbound/c1/#
    const { logger, lines } = capturingLogger();
    bridge = await startInProcessBridge(
      bridgeEnv(broker.url, kinesis.endpoint, {
        MQTT_CLIENT_ID: 'shared-feed',
        MQTT_PROTOCOL_VERSION: '5',
        MQTT_LANES: '3',
        MQTT_SHARED_GROUP: 'bridge',
      }),
      { logger },
    );
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'all lanes subscribed');
    // WHEN 900 messages are published
    const from = 20_000;
    await publishAll(
      broker.url,
      Array.from({ length: 900 }, (_, i) => message(from + i, 's1')),
    );
    await waitUntil(() => bridge!.status().acked >= 900, 30_000, 'all acked');
    await sleep(200);
    // THEN each message was received once (by one lane) and written once
    expect(bridge.status().received).toBe(900);
    const ns = [...numbersIn(await kinesis.readAll())].filter((n) => n >= from && n < from + 900);
    expect(ns).toHaveLength(900);
    // AND what mosquitto grants was logged for each lane
    const grants = lines.filter((l) => l.message === 'the broker grants (CONNACK properties)');
    expect(grants.map((g) => g.fields.clientId).sort()).toEqual(['shared-feed-1', 'shared-feed-2', 'shared-feed-3']);
    expect(grants[0]!.fields).toMatchObject({ sharedSubscriptionAvailable: true });
    expect(grants[0]!.fields).toHaveProperty('receiveMaximum');
    expect(grants[0]!.fields).toHaveProperty('maximumPacketSize');
    expect(grants[0]!.fields).toHaveProperty('sessionExpirySeconds');
  });
});

describe('a broker without shared subscriptions', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  const seen: string[] = [];
  let port = 0;

  beforeAll(async () => {
    // an MQTT 5 broker stand-in: answers CONNECT with Shared Subscription Available = 0, records what it receives
    port = await freePort();
    server = createServer((socket) => {
      sockets.add(socket);
      const parser = mqttPacket.parser({ protocolVersion: 5 });
      parser.on('packet', (packet) => {
        seen.push(packet.cmd);
        if (packet.cmd === 'connect') {
          socket.write(
            mqttPacket.generate(
              {
                cmd: 'connack',
                sessionPresent: false,
                reasonCode: 0,
                properties: { sharedSubscriptionAvailable: false, receiveMaximum: 50 },
              },
              { protocolVersion: 5 },
            ),
          );
        }
      });
      socket.on('data', (chunk) => parser.parse(chunk));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  it('fails to subscribe a shared subscription, with a clear line, and never sends the SUBSCRIBE', async () => {
    // GIVEN a bridge configured for a shared subscription
    const { logger, lines } = capturingLogger();
    const bridge = await startInProcessBridge(
      bridgeEnv(`mqtt://127.0.0.1:${port}`, 'http://127.0.0.1:1', {
        MQTT_PROTOCOL_VERSION: '5',
        MQTT_LANES: '2',
        MQTT_SHARED_GROUP: 'bridge',
      }),
      { logger },
    );
    try {
      // WHEN the broker's CONNACK says it has no shared subscriptions
      await waitUntil(
        () => lines.some((l) => l.level === 'error' && /no shared subscriptions/.test(l.message)),
        10_000,
        'the refusal',
      );
      await sleep(300);
      // THEN the line says what happened and what to do, no SUBSCRIBE was sent, and the bridge is not ready
      const refusal = lines.find((l) => l.level === 'error' && /no shared subscriptions/.test(l.message))!;
      expect(refusal.message).toContain('CONNACK Shared Subscription Available = 0');
      expect(refusal.message).toContain('MQTT_LANE_TOPICS');
      expect(seen).not.toContain('subscribe');
      expect(bridge.status().subscribed).toBe(false);
      // AND the grant that was there is logged
      expect(lines.find((l) => l.message === 'the broker grants (CONNACK properties)')?.fields).toMatchObject({
        receiveMaximum: 50,
        sharedSubscriptionAvailable: false,
      });
    } finally {
      await bridge.stop();
    }
  });
});
