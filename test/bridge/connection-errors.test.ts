/**
 * A broker that refuses: wrong password, a subscription outside the ACL, a certificate from an untrusted CA. Each ends
 * in a clear error log, /readyz failing and a growing backoff (attempts counted), never a tight loop. And the good
 * cases next to them: the right password and the right CA connect over TLS.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../local/services/free-port';
import { generateTestCertificates, type TestCertificates } from '../support/tls-certs';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import type { Bridge } from '../../bridge/src/bridge';
import type { BridgeLogger } from '../../bridge/src/logger';
import {
  bridgeEnv,
  getStatusCode,
  noDelayOfSocketsTo,
  numbered,
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
function recordingLogger(): BridgeLogger & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const at = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const USERS = [
  { username: 'bridge', password: 'right-password', topics: ['meters/outbound/c1/#'] },
  { username: 'publisher', password: 'pub-password', topics: ['#'] },
];
const BACKOFF = { MQTT_RECONNECT_MIN_MILLIS: '200', MQTT_RECONNECT_MAX_MILLIS: '1600' };

/** Starts refusing-broker-process.ts; resolves with its URL and a stop function. */
async function startRefusingBroker(mode: 'refuse' | 'kick' | 'reset' | 'reset-connack') {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'refusing-broker-process.ts'), String(port), mode],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let connections = 0;
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"ready"')) resolve();
      if (line.includes('"connection"')) connections += 1;
    });
    child.once('exit', () => reject(new Error('refusing broker exited')));
  });
  return {
    url: `mqtt://127.0.0.1:${port}`,
    connections: () => connections,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
    },
  };
}

describe('connection errors', () => {
  let certs: TestCertificates;
  let broker: Mosquitto;
  let kinesis: TestKinesis;
  let bridge: Bridge | undefined;

  beforeAll(async () => {
    certs = generateTestCertificates();
    broker = await startMosquitto({
      users: USERS,
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile },
    });
    kinesis = await startTestKinesis();
  });
  afterAll(async () => {
    await kinesis.stop();
    await broker.destroy();
    certs.remove();
  });
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
  });

  /** Runs a bridge for `millis` and returns what it logged and how many attempts it made. */
  async function runFailing(env: Record<string, string>, millis: number) {
    const logger = recordingLogger();
    bridge = await startInProcessBridge(bridgeEnv(broker.url, kinesis.endpoint, { ...BACKOFF, ...env }), { logger });
    await sleep(millis);
    const status = bridge.status();
    const ready = await getStatusCode(bridge.healthPort!, '/readyz');
    return { logger, status, ready };
  }

  it('connects over TLS with the right CA and password, and forwards', async () => {
    // GIVEN the CA of the broker's certificate and the right credentials
    bridge = await startInProcessBridge(
      bridgeEnv(broker.url, kinesis.endpoint, {
        MQTT_CA_FILE: certs.caFile,
        MQTT_USERNAME: 'bridge',
        MQTT_PASSWORD: 'right-password',
      }),
    );
    // THEN it becomes ready and forwards
    await waitUntil(() => bridge!.status().subscribed, 10_000, 'subscribed');
    expect(await getStatusCode(bridge.healthPort!, '/readyz')).toBe(200);
    await publishAll(broker.url, numbered(10), {
      username: 'publisher',
      password: 'pub-password',
      ca: [readFileSync(certs.caFile)],
    });
    await waitUntil(() => bridge!.status().acked >= 10, 10_000, 'acked');
    expect(numbersIn(await kinesis.readAll()).size).toBeGreaterThanOrEqual(10);
    // AND its TLS socket to the broker has Nagle's algorithm off: PUBACKs do not wait for the broker's TCP ACK
    expect(noDelayOfSocketsTo(broker.port)).toEqual([true]);
  });

  it('fails with a clear error and a growing backoff when the password is wrong', async () => {
    const { logger, status, ready } = await runFailing(
      { MQTT_CA_FILE: certs.caFile, MQTT_USERNAME: 'bridge', MQTT_PASSWORD: 'wrong-password' },
      4_000,
    );
    // THEN: refused credentials named; delays of at least 100, 200, 400, 800, 800, 800 ms allow at most 7 attempts in
    // 4 s (a tight loop would make hundreds)
    expect(logger.lines.some((l) => l.level === 'error' && /refused the credentials/.test(l.message))).toBe(true);
    expect(status.connectAttempts).toBeGreaterThanOrEqual(2);
    expect(status.connectAttempts).toBeLessThanOrEqual(7);
    expect(ready).toBe(503);
    expect(JSON.stringify(logger.lines)).not.toContain('wrong-password');
  });

  it('fails with a clear error and a growing backoff when the broker certificate is from another CA', async () => {
    const { logger, status, ready } = await runFailing(
      { MQTT_CA_FILE: certs.otherCaFile, MQTT_USERNAME: 'bridge', MQTT_PASSWORD: 'right-password' },
      4_000,
    );
    expect(
      logger.lines.some((l) => l.level === 'error' && /TLS: the broker's certificate was not verified/.test(l.message)),
    ).toBe(true);
    expect(status.connectAttempts).toBeGreaterThanOrEqual(2);
    expect(status.connectAttempts).toBeLessThanOrEqual(7);
    expect(ready).toBe(503);
  });

  it('fails when the system roots alone are trusted and the broker certificate is private', async () => {
    const { logger, status } = await runFailing({ MQTT_USERNAME: 'bridge', MQTT_PASSWORD: 'right-password' }, 1_000);
    expect(logger.lines.some((l) => /TLS: the broker's certificate was not verified/.test(l.message))).toBe(true);
    expect(status.connected).toBe(false);
  });

  it.each([
    ['refuses a subscription (SUBACK 0x80)', 'refuse' as const, /subscription to "meters\/outbound\/c2\/#" refused/],
    [
      'closes the connection right after SUBACK',
      'kick' as const,
      /closed the connection \d+ ms after SUBACK \(not authorised for a filter, or another client with the same MQTT_CLIENT_ID\?\)/,
    ],
    [
      'resets the connection right after SUBACK',
      'reset' as const,
      /reset the connection \d+ ms after SUBACK \(not authorised for a filter, or another client with the same MQTT_CLIENT_ID\?\)/,
    ],
    [
      'resets the connection right after CONNACK',
      'reset-connack' as const,
      /reset the connection \d+ ms after CONNACK \(not authorised for a filter, or another client with the same MQTT_CLIENT_ID\?\)/,
    ],
  ] as const)(
    'fails with a clear error, once, and a growing backoff when the broker %s',
    async (_name, mode, pattern) => {
      // GIVEN a broker that rejects this client as the provider's does
      const refusing = await startRefusingBroker(mode);
      try {
        const logger = recordingLogger();
        bridge = await startInProcessBridge(
          bridgeEnv(refusing.url, kinesis.endpoint, {
            ...BACKOFF,
            MQTT_TOPICS: 'meters/outbound/c1/#,meters/outbound/c2/#',
          }),
          { logger },
        );
        // WHEN it runs for 4 s
        await sleep(4_000);
        // THEN the reason is logged, connection attempts grow apart, and /readyz fails
        const status = bridge.status();
        const matching = logger.lines.filter((l) => l.level === 'error' && pattern.test(l.message));
        expect(matching.length).toBeGreaterThanOrEqual(1);
        if (mode === 'refuse') {
          expect(logger.lines.filter((l) => /subscription to .* refused by the broker/.test(l.message))).toHaveLength(
            1,
          );
        }
        expect(status.connectAttempts).toBeGreaterThanOrEqual(2);
        expect(status.connectAttempts).toBeLessThanOrEqual(7);
        expect(refusing.connections()).toBeLessThanOrEqual(7);
        expect(await getStatusCode(bridge.healthPort!, '/readyz')).toEqual(
          mode === 'refuse' ? 503 : expect.any(Number),
        );
      } finally {
        await bridge?.stop();
        bridge = undefined;
        await refusing.stop();
      }
    },
  );
});
