/** The configuration contract: names, defaults, and one clear line per problem, never echoing the password. */
import { DEFAULTS, isLoopbackHost, loadConfig, redactUrl } from '../../bridge/src/config';
import { ConfigError } from '../../bridge/src/errors';

const BASE = {
  MQTT_URL: 'mqtts://mqtt.example.com',
  MQTT_CLIENT_ID: 'feed-1',
  MQTT_TOPICS: 'meters/outbound/c1/#',
  MQTT_USERNAME: 'user',
  MQTT_PASSWORD: 'pa55word',
  KINESIS_STREAM_NAME: 'readings',
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(BASE);
    expect(c.mqtt).toMatchObject({
      url: 'mqtts://mqtt.example.com:8883',
      port: 8883,
      tls: true,
      protocolVersion: 4,
      keepaliveSeconds: DEFAULTS.MQTT_KEEPALIVE_SECONDS,
      stallTimeoutSeconds: 0,
      receiveMaximum: DEFAULTS.BRIDGE_MAX_PENDING_MESSAGES,
      username: 'user',
      password: 'pa55word',
    });
    expect(c.kinesis).toMatchObject({ streamName: 'readings', maxBatchRecords: 500, maxBatchBytes: 5 * 1024 * 1024 });
    expect(c).toMatchObject({ healthPort: 8080, metricsIntervalMillis: 60_000, maxPendingMessages: 10_000 });
  });

  it.each<[string, Record<string, string>, number]>([
    ['the default window of 10,000: full calls', {}, 500],
    ['a window of 1,000: four calls of 250 in flight', { BRIDGE_MAX_PENDING_MESSAGES: '1000' }, 250],
    ['a window of 100', { BRIDGE_MAX_PENDING_MESSAGES: '100' }, 25],
    ['a window of 2: never an empty batch', { BRIDGE_MAX_PENDING_MESSAGES: '2' }, 1],
    [
      'an explicit batch size over the window rule',
      { BRIDGE_MAX_PENDING_MESSAGES: '1000', BRIDGE_MAX_BATCH_RECORDS: '500' },
      500,
    ],
  ])('splits a full window into PutRecords calls by default: %s', (_case, env, batch) => {
    expect(loadConfig({ ...BASE, ...env }).kinesis.maxBatchRecords).toBe(batch);
  });

  it.each([['mqtt://127.0.0.1:1883'], ['mqtt://localhost'], ['mqtt://[::1]:1883'], ['mqtt://127.1.2.3']])(
    'accepts plain %s (loopback) without credentials',
    (url) => {
      const c = loadConfig({ ...BASE, MQTT_URL: url, MQTT_USERNAME: undefined, MQTT_PASSWORD: undefined });
      expect(c.mqtt.tls).toBe(false);
      expect(c.mqtt.username).toBeUndefined();
    },
  );

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['no MQTT_URL', { MQTT_URL: undefined }, /^MQTT_URL is required/],
    ['plain mqtt to a remote host', { MQTT_URL: 'mqtt://mqtt.example.com' }, /only for a loopback host/],
    ['a websocket URL', { MQTT_URL: 'wss://mqtt.example.com' }, /must use mqtts:\/\//],
    ['credentials in the URL', { MQTT_URL: 'mqtts://u:secretpw@mqtt.example.com' }, /must not hold credentials/],
    ['a root wildcard', { MQTT_TOPICS: '#' }, /MQTT_TOPICS: subscription filter "#"/],
    ['a customer wildcard', { MQTT_TOPICS: 'meters/outbound/+/#' }, /must name a customer/],
    ['a repeated filter', { MQTT_TOPICS: 'meters/outbound/c1/#,meters/outbound/c1/#' }, /repeats a filter/],
    [
      'protocol version 3',
      { MQTT_PROTOCOL_VERSION: '3' },
      /MQTT_PROTOCOL_VERSION must be 4 \(MQTT 3.1.1\) or 5, got "3"/,
    ],
    ['a username without password', { MQTT_PASSWORD: undefined }, /MQTT_PASSWORD is required with MQTT_USERNAME/],
    [
      'no credentials for a remote broker',
      { MQTT_USERNAME: undefined, MQTT_PASSWORD: undefined },
      /are required for broker/,
    ],
    ['both a secret and a password', { MQTT_CREDENTIALS_SECRET_ID: 'arn:x' }, /give the credentials one way/],
    [
      'a session marker in two places',
      { BRIDGE_SESSION_MARKER_SECRET_ID: 'marker', BRIDGE_SESSION_MARKER_FILE: '/tmp/marker.json' },
      /BRIDGE_SESSION_MARKER_SECRET_ID and BRIDGE_SESSION_MARKER_FILE are both set .*give the session marker one place/,
    ],
    ['a missing CA file', { MQTT_CA_FILE: '/nonexistent/ca.pem' }, /MQTT_CA_FILE must name a readable PEM file/],
    ['a bad stream name', { KINESIS_STREAM_NAME: 'a b' }, /KINESIS_STREAM_NAME must be 1-128 characters/],
    [
      'a non-numeric bound',
      { BRIDGE_MAX_PENDING_MESSAGES: '10k' },
      /BRIDGE_MAX_PENDING_MESSAGES must be an integer from 1/,
    ],
    [
      'a batch over 500',
      { BRIDGE_MAX_BATCH_RECORDS: '501' },
      /BRIDGE_MAX_BATCH_RECORDS must be an integer from 1 to 500/,
    ],
    [
      'a receive maximum of 0',
      { MQTT_RECEIVE_MAXIMUM: '0' },
      /MQTT_RECEIVE_MAXIMUM must be an integer from 1 to 65535/,
    ],
    ['max below min backoff', { MQTT_RECONNECT_MIN_MILLIS: '5000', MQTT_RECONNECT_MAX_MILLIS: '1000' }, /at least/],
    ['a bad health port', { HEALTH_PORT: '70000' }, /HEALTH_PORT must be an integer from 0 to 65535, got "70000"/],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
  ])('fails with one clear line for %s', (_name, change, pattern) => {
    const found = problems({ ...BASE, ...change });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(pattern);
  });

  it('lists every problem at once and never echoes the password', () => {
    const found = problems({
      MQTT_URL: 'mqtt://user:hunter2@remote.example.com',
      MQTT_PASSWORD: 'hunter2',
      MQTT_TOPICS: '#',
    });
    expect(found.length).toBeGreaterThanOrEqual(5);
    expect(found.join('\n')).not.toContain('hunter2');
  });

  it('recognises loopback hosts and redacts URL passwords', () => {
    expect([isLoopbackHost('127.0.0.1'), isLoopbackHost('::1'), isLoopbackHost('localhost')]).toEqual([
      true,
      true,
      true,
    ]);
    expect([isLoopbackHost('128.0.0.1'), isLoopbackHost('localhost.example.com'), isLoopbackHost('10.0.0.1')]).toEqual([
      false,
      false,
      false,
    ]);
    expect(redactUrl('mqtts://u:p@h:1')).toBe('mqtts://u:***@h:1');
  });
});
