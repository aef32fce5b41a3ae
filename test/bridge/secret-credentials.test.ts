/**
 * Credentials from a Secrets Manager secret, through `AWS_ENDPOINT_URL_SECRETS_MANAGER` (a minimal local
 * GetSecretValue endpoint: no local Secrets Manager implementation is installed): a rotated password is picked up after
 * the broker refuses the old one, without a restart, and the password never reaches the logs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import { bridgeEnv, spawnBridge, startTestKinesis, waitUntil, type BridgeProcess, type TestKinesis } from './harness';

jest.setTimeout(60_000);

describe('credentials from a secret', () => {
  let broker: Mosquitto;
  let kinesis: TestKinesis;
  let server: Server;
  let bridge: BridgeProcess | undefined;
  let secret = '';
  let fetches = 0;

  beforeAll(async () => {
    broker = await startMosquitto({ users: [{ username: 'bridge', password: 'new-s3cret' }] });
    kinesis = await startTestKinesis();
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        fetches += 1;
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(
          JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:mqtt', Name: 'mqtt', SecretString: secret }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(async () => {
    await bridge?.kill();
    await new Promise((r) => server.close(r));
    await kinesis.stop();
    await broker.destroy();
  });

  it('fetches the secret again after the broker refuses the credentials, and connects with the rotated ones', async () => {
    // GIVEN a secret holding an outdated password
    secret = JSON.stringify({ username: 'bridge', password: 'old-s3cret' });
    const port = (server.address() as AddressInfo).port;
    bridge = await spawnBridge(
      bridgeEnv(broker.url, kinesis.endpoint, {
        MQTT_CREDENTIALS_SECRET_ID: 'mqtt',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
        MQTT_RECONNECT_MIN_MILLIS: '200',
        MQTT_RECONNECT_MAX_MILLIS: '400',
      }),
    );
    await waitUntil(async () => (await bridge!.status()).connectAttempts >= 2, 10_000, 'two refused attempts');
    expect((await bridge.status()).connected).toBe(false);
    // WHEN the secret is rotated
    secret = JSON.stringify({ username: 'bridge', password: 'new-s3cret' });
    // THEN the bridge picks it up and becomes ready, having fetched the secret once per refused attempt
    await waitUntil(async () => (await bridge!.status()).subscribed, 10_000, 'subscribed');
    expect(fetches).toBeGreaterThanOrEqual(3);
    const output = bridge.rawOutput();
    expect(output).toMatch(/refused the credentials/);
    expect(output).not.toMatch(/old-s3cret|new-s3cret/);
  });
});
