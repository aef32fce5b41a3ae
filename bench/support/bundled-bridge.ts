/**
 * The bridge as the container runs it: bundled by esbuild with the flags of bridge/Dockerfile, started with
 * `node --enable-source-maps`, configured by the local runner's `bridgeEnvironment` (its documented variables only).
 * It is the local runner's `startBridgeProcess` with other Node.js arguments (that one runs the source through tsx).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startBridgeProcess, type BridgeProcess, type BridgeProcessOptions } from '../../local/bridge-process';

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

/** Starts the bundled bridge (the local runner's bridge process, on the bundle instead of the source). */
export function startBundledBridge(bundle: string, options: BridgeProcessOptions): BridgeProcess {
  return startBridgeProcess({
    ...options,
    root: ROOT,
    nodeArgs: ['--enable-source-maps', bundle],
    env: { ...options.env, NODE_ENV: 'production' },
  });
}
