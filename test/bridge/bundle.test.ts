/**
 * The container's program: bridge/src/main.ts bundled by esbuild exactly as bridge/Dockerfile does, run from a
 * directory without node_modules, forwards messages and stops cleanly on SIGTERM.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { startMosquitto, type Mosquitto } from '../support/mosquitto';
import {
  bridgeEnv,
  numbered,
  numbersIn,
  publishAll,
  spawnBridge,
  startTestKinesis,
  waitUntil,
  type BridgeProcess,
  type TestKinesis,
} from './harness';

jest.setTimeout(60_000);

describe('the bundled bridge', () => {
  let dir: string;
  let broker: Mosquitto;
  let kinesis: TestKinesis;
  let bridge: BridgeProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bridge-bundle-'));
    broker = await startMosquitto();
    kinesis = await startTestKinesis();
  });
  afterAll(async () => {
    await bridge?.kill();
    await kinesis.stop();
    await broker.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as one file with no node_modules, forwards, and exits 0 on SIGTERM', async () => {
    // GIVEN the bundle, built as the Dockerfile builds it
    const outfile = join(dir, 'bridge.js');
    const result = buildSync({
      entryPoints: [join(__dirname, '..', '..', 'bridge', 'src', 'main.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      outfile,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    // WHEN it runs from a directory without node_modules
    bridge = await spawnBridge(bridgeEnv(broker.url, kinesis.endpoint), true, [outfile]);
    await waitUntil(async () => (await bridge!.status()).subscribed, 20_000, 'subscribed');
    await publishAll(broker.url, numbered(100));
    // THEN it forwards, and stops cleanly
    await waitUntil(async () => (await bridge!.status()).acked >= 100, 20_000, 'acked');
    expect(numbersIn(await kinesis.readAll()).size).toBe(100);
    bridge.child.kill('SIGTERM');
    expect(await bridge.exited).toEqual({ code: 0, signal: null });
  });
});
