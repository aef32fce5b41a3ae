/**
 * The bridge as the container runs it: bundled by esbuild with the flags of bridge/Dockerfile, started with
 * `node --enable-source-maps`, configured by the local runner's `bridgeEnvironment` (its documented variables only).
 * Same interface as the local runner's `startBridgeProcess`, which runs the source through tsx instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  bridgeEnvironment,
  getJson,
  type BridgeProcess,
  type BridgeProcessOptions,
  type BridgeStatusView,
} from '../../local/bridge-process';

const ROOT = join(__dirname, '..', '..');

/** Bundles bridge/src/main.ts into `outFile` as bridge/Dockerfile does; throws with esbuild's output on failure. */
export function bundleBridge(outFile: string): void {
  mkdirSync(dirname(outFile), { recursive: true });
  const esbuild = join(ROOT, 'node_modules', '.bin', 'esbuild');
  const args = ['bridge/src/main.ts', '--bundle', '--platform=node', '--target=node20', '--sourcemap'];
  const out = spawnSync(esbuild, [...args, '--log-level=warning', `--outfile=${outFile}`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`esbuild failed: ${out.stderr || out.error?.message}`);
}

/** Starts the bundled bridge. */
export function startBundledBridge(bundle: string, options: BridgeProcessOptions): BridgeProcess {
  const log = openSync(options.logFile, 'a');
  const child = (() => {
    try {
      return spawn(process.execPath, ['--enable-source-maps', bundle], {
        cwd: ROOT,
        env: { ...bridgeEnvironment(options), NODE_ENV: 'production' },
        stdio: ['ignore', log, log],
      });
    } finally {
      closeSync(log);
    }
  })();
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('spawn-error'));
  });
  let done = false;
  void exited.then(() => (done = true));
  const status = async (): Promise<BridgeStatusView | undefined> => {
    const out = await getJson(options.healthPort, '/status');
    return out?.status === 200 ? (out.body as BridgeStatusView) : undefined;
  };
  return {
    process: child,
    healthPort: options.healthPort,
    exited,
    status,
    waitReady: async (timeoutMillis) => {
      const deadline = Date.now() + timeoutMillis;
      for (;;) {
        if (done)
          throw new Error(`the bundled bridge exited at start (${String(await exited)}); see ${options.logFile}`);
        if ((await getJson(options.healthPort, '/readyz', 1000))?.status === 200) return;
        if (Date.now() > deadline) throw new Error(`the bundled bridge was not ready after ${timeoutMillis} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async (timeoutMillis = 30_000) => {
      if (!done) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}
