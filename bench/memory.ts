/**
 * Figure 5, memory: the real bridge as its own process, bundled and started as bridge/Dockerfile does (esbuild, then
 * `node --enable-source-maps bridge.js`, with only its documented environment), a backlog waiting in its session and
 * Kinesis down (its endpoint refuses connections). Peak RSS is VmHWM from /proc/<pid>/status after the bridge has held
 * its window full for a while; target under 200 MiB. Reference, measured in the same run: the same bridge process
 * connected to an empty session. Then Kinesis comes back on the same port and the backlog drains.
 * The bridge's RSS at steady state under a live feed is measured by the end-to-end benchmark.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { DEFAULTS } from '../bridge/src/config';
import { getJson, type BridgeProcess } from '../local/bridge-process';
import { freePort } from '../local/services/free-port';
import { prepareBacklog } from './support/backlog';
import { bundleBridge, startBundledBridge } from './support/bundled-bridge';
import type { BenchContext, BenchOutput } from './support/context';
import { makeFigure } from './support/figures';
import { startKinesisLocalProcess } from '../local/services/kinesis-local-process';
import { createBenchStream, localKinesisClient } from './support/kinesis';
import { customerOf, filterFor } from './support/messages';
import { startMosquitto } from './support/mosquitto';
import { readProcStatus, type ProcMemory } from './support/proc-status';

const MiB = 2 ** 20;
const STREAM = 'bench-memory';

async function waitReceiving(bridge: BridgeProcess, timeoutMillis: number): Promise<void> {
  const deadline = performance.now() + timeoutMillis;
  for (;;) {
    const s = await bridge.status();
    if (s?.connected && s.received > 0) return;
    if (performance.now() > deadline) throw new Error(`the bridge received nothing in ${timeoutMillis} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function hold(bridge: BridgeProcess, millis: number): Promise<ProcMemory> {
  await new Promise((r) => setTimeout(r, millis));
  return readProcStatus(bridge.process.pid!);
}

/** Runs figure 5. */
export async function benchMemory(ctx: BenchContext): Promise<BenchOutput> {
  const backlog = ctx.quick ? 20_000 : 100_000;
  const holdMillis = ctx.quick ? 6_000 : 30_000;
  const dir = join(__dirname, 'out');
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, 'bridge', 'bridge.js');
  ctx.log('memory: bundling the bridge as bridge/Dockerfile does');
  bundleBridge(bundle);
  const startBridgeProcess = (o: Parameters<typeof startBundledBridge>[1]) => startBundledBridge(bundle, o);
  // no broker-side in-flight limit: the bridge's own bounds must hold the backlog back
  const mosquitto = await startMosquitto({ maxInflight: 0 });
  const kinesisPort = await freePort();
  const bridgeOptions = (clientId: string) => ({
    mqttUrl: mosquitto.url,
    clientId,
    topics: [filterFor(customerOf(clientId))],
    streamName: STREAM,
    kinesisEndpoint: `http://127.0.0.1:${kinesisPort}`,
    region: 'us-east-1',
    logFile: join(dir, 'memory-bridge.log'),
    env: { LOG_LEVEL: 'WARN' },
  });
  let kinesis: Awaited<ReturnType<typeof startKinesisLocalProcess>> | undefined;
  const bridges: BridgeProcess[] = [];
  try {
    ctx.log('memory: reference, the bridge on an empty session');
    const idle = startBridgeProcess({ ...bridgeOptions(`bench-idle-${process.pid}`), healthPort: await freePort() });
    bridges.push(idle);
    await idle.waitReady(60_000);
    const idleMemory = await hold(idle, holdMillis);
    await idle.stop();

    ctx.log(`memory: ${backlog} messages waiting, Kinesis down, holding ${holdMillis / 1000} s`);
    const clientId = `bench-outage-${process.pid}`;
    await prepareBacklog(mosquitto.url, clientId, backlog);
    const outage = startBridgeProcess({ ...bridgeOptions(clientId), healthPort: await freePort() });
    bridges.push(outage);
    // Not waitReady: with more waiting than the bridge's window, its SUBACK sits behind the backlog in the socket
    // and /readyz stays false until the window moves; connected and receiving is what this figure needs.
    await waitReceiving(outage, 60_000);
    const outageMemory = await hold(outage, holdMillis);
    const during = await outage.status();
    const readyDuringOutage = (await getJson(outage.healthPort, '/readyz'))?.status === 200;

    ctx.log('memory: Kinesis back on the same port; draining the backlog');
    kinesis = await startKinesisLocalProcess({ port: kinesisPort });
    const admin = localKinesisClient(kinesis.endpoint);
    await createBenchStream(admin, 2, STREAM);
    admin.destroy();
    const drainStart = performance.now();
    const deadline = drainStart + (ctx.quick ? 60_000 : 300_000);
    let acked = 0;
    while (acked < backlog && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      acked = (await outage.status())?.acked ?? acked;
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const after = readProcStatus(outage.process.pid!);
    await outage.stop();

    const bounds = `BRIDGE_MAX_PENDING_MESSAGES ${DEFAULTS.BRIDGE_MAX_PENDING_MESSAGES}, BRIDGE_MAX_PENDING_BYTES ${DEFAULTS.BRIDGE_MAX_PENDING_BYTES / MiB} MiB (defaults)`;
    return {
      figures: [
        makeFigure({
          id: 'memory.outage-peak',
          benchmark: 'memory',
          name: `Bridge peak RSS, ${backlog.toLocaleString('en-US')} waiting, Kinesis down`,
          value: outageMemory.hwmBytes / MiB,
          unit: 'MiB',
          reference: { name: 'same bridge, empty session', value: idleMemory.hwmBytes / MiB },
          target: { of: 'value', op: '<', threshold: 200, text: '< 200 MiB' },
          note: `VmHWM after ${holdMillis / 1000} s; the bridge held ${during?.pending ?? '?'} messages (${(((during as { pendingBytes?: number } | undefined)?.pendingBytes ?? 0) / MiB).toFixed(1)} MiB of records) unacknowledged, acknowledged ${during?.acked ?? '?'}; ${bounds}; bundled and started as bridge/Dockerfile does; /readyz during the outage: ${readyDuringOutage ? '200 (ready)' : `not ready (subscribed ${String((during as { subscribed?: boolean } | undefined)?.subscribed)}: the SUBACK waits behind the backlog in the socket while the window is full, and the ECS health check in lib/bridge-service.ts probes /readyz)`}`,
        }),
        makeFigure({
          id: 'memory.after-recovery',
          benchmark: 'memory',
          name: 'Bridge RSS after Kinesis returned and the backlog drained',
          value: after.rssBytes / MiB,
          unit: 'MiB',
          reference: { name: 'same bridge, empty session', value: idleMemory.rssBytes / MiB },
          note: `${acked.toLocaleString('en-US')} of ${backlog.toLocaleString('en-US')} acknowledged ${drainSeconds.toFixed(1)} s after Kinesis returned; VmHWM ${(after.hwmBytes / MiB).toFixed(0)} MiB`,
        }),
      ],
      details: { backlog, holdMillis, idleMemory, outageMemory, during, readyDuringOutage, after, acked, drainSeconds },
    };
  } finally {
    for (const b of bridges) await b.stop(10_000);
    await kinesis?.stop();
    await mosquitto.stop();
  }
}
