/**
 * Figure 4, end to end: p50/p95/p99 from PUBLISH to the row in the readings table, through the local runner's pipeline
 * (`local/pipeline.ts`: the embedded broker, the real bridge as its own process, kinesalite, the stream poller with
 * the event source mapping's defaults, the real handler, DynamoDB Local) at 1,000 messages/s for 60 s (10 s in quick
 * mode), after a warm-up. A message's row time is when the handler's own DynamoDB client saw its PutItem succeed
 * (SDK middleware on that client). Reference, measured in the same run: the MQTT hop alone, publish to a bare
 * subscriber on the same broker. Target: p99 under 1 s.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { startLocalPipeline, type LocalPipeline } from '../local/pipeline';
import type { BenchContext, BenchOutput } from './support/context';
import { makeFigure } from './support/figures';
import { BENCH_FILTER } from './support/messages';
import { nowEpochMillis, readingKey, type PublisherProcessOptions } from './support/paced-publisher';
import { readProcStatus } from './support/proc-status';
import { ratePerSecond, summarize, type LatencySummary } from './support/stats';

/** Messages per second published: the rate. */
export const E2E_RATE = 1000;

/** Latencies of one paced run. */
interface RunResult {
  readonly rate: number;
  readonly expected: number;
  readonly missing: number;
  readonly e2e: LatencySummary;
  readonly hop: LatencySummary;
  /** Rows per second stored during the run, against the offered rate. */
  readonly rowsPerSecond: number;
}

async function pacedRun(
  ctx: BenchContext,
  pipeline: LocalPipeline,
  rowAt: Map<string, number>,
  o: { rate: number; warmupMillis: number; measureMillis: number; offsetIntervals: number; drainMillis: number },
): Promise<RunResult> {
  const outFile = join(STATE_DIR, `publisher-${o.rate}-${o.offsetIntervals}.json`);
  ctx.log(`end-to-end: ${o.rate} msg/s, ${o.warmupMillis / 1000} s warm-up then ${o.measureMillis / 1000} s measured`);
  const options: PublisherProcessOptions = {
    url: pipeline.brokerUrl,
    meters: METERS,
    outFile,
    ratePerSecond: o.rate,
    ...o,
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'support', 'publisher-process.ts'), JSON.stringify(options)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the publisher process exited with ${code}`);
  const out = JSON.parse(readFileSync(outFile, 'utf8')) as { published: [string, number][]; hop: [string, number][] };
  const published = new Map(out.published);
  const hopAt = new Map(out.hop);
  const firstPublish = Math.min(...published.values());
  const deadline = performance.now() + o.drainMillis;
  const landed = () => [...published.keys()].filter((k) => rowAt.has(k)).length;
  while (landed() < published.size && performance.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  const latencies: number[] = [];
  const hops: number[] = [];
  let lastRow = firstPublish;
  let landedCount = 0;
  const gaveUpAt = nowEpochMillis();
  for (const [key, at] of published) {
    const row = rowAt.get(key);
    if (row !== undefined) {
      latencies.push(row - at);
      lastRow = Math.max(lastRow, row);
      landedCount += 1;
    } else {
      // no row yet when the wait ended: its latency is at least this long
      latencies.push(gaveUpAt - at);
    }
    const hop = hopAt.get(key);
    if (hop !== undefined) hops.push(hop - at);
  }
  return {
    rate: o.rate,
    expected: published.size,
    missing: published.size - landedCount,
    e2e: summarize(latencies),
    hop: summarize(hops),
    rowsPerSecond: ratePerSecond(landedCount, lastRow - firstPublish),
  };
}

const STATE_DIR = join(__dirname, 'out', 'e2e');
const METERS = 1000;

/** Runs figure 4. */
export async function benchEndToEnd(ctx: BenchContext): Promise<BenchOutput> {
  mkdirSync(STATE_DIR, { recursive: true });
  ctx.log(
    'end-to-end: starting the local pipeline (embedded broker, kinesalite, DynamoDB Local, bridge process, poller)',
  );
  const pipeline = await startLocalPipeline({
    stateDir: STATE_DIR,
    streamName: 'bench-e2e',
    tables: { readings: 'bench-e2e-readings', quarantine: 'bench-e2e-quarantine' },
    bridge: { clientId: `bench-e2e-${process.pid}`, topics: [BENCH_FILTER], env: { LOG_LEVEL: 'WARN' } },
  });
  const rowAt = new Map<string, number>();
  const puts = { count: 0, millis: 0, inFlight: 0, maxInFlight: 0 };
  const putStats = () =>
    `calls ${puts.count.toLocaleString('en-US')}, mean ${(puts.millis / Math.max(1, puts.count)).toFixed(0)} ms each, at most ${puts.maxInFlight} at once`;
  pipeline.dynamoDbClient.middlewareStack.add(
    (next, context) => async (args) => {
      const isPut = context.commandName === 'PutItemCommand';
      const t = performance.now();
      if (isPut) puts.maxInFlight = Math.max(puts.maxInFlight, ++puts.inFlight);
      let result;
      try {
        result = await next(args);
      } finally {
        if (isPut) {
          puts.inFlight -= 1;
          puts.count += 1;
          puts.millis += performance.now() - t;
        }
      }
      if (isPut) {
        const input = args.input as { TableName?: string; Item?: Record<string, AttributeValue> };
        const pk = input.Item?.pk?.S;
        const sk = input.Item?.sk?.S;
        if (input.TableName === pipeline.tables.readings && pk && sk) rowAt.set(readingKey(pk, sk), nowEpochMillis());
      }
      return result;
    },
    { step: 'initialize', name: 'benchRowTime' },
  );
  try {
    // the lower rate first, while the pipeline has no backlog
    const low = ctx.quick
      ? undefined
      : await pacedRun(ctx, pipeline, rowAt, {
          rate: LOW_RATE,
          // long enough for every series' first sight (the registry write) and DynamoDB Local's JIT
          warmupMillis: 15_000,
          measureMillis: 30_000,
          offsetIntervals: 1000,
          drainMillis: 30_000,
        });
    const main = await pacedRun(ctx, pipeline, rowAt, {
      rate: E2E_RATE,
      warmupMillis: ctx.quick ? 2_000 : 10_000,
      measureMillis: ctx.quick ? 5_000 : 60_000,
      offsetIntervals: 1,
      drainMillis: ctx.quick ? 20_000 : 90_000,
    });
    const pid = pipeline.bridge()?.process.pid;
    const mem = pid ? readProcStatus(pid) : undefined;
    const describe = (r: RunResult) =>
      `${r.expected.toLocaleString('en-US')} messages at ${r.rate}/s; rows stored at ${r.rowsPerSecond.toFixed(0)}/s; ${r.missing} without a row at the end`;
    const figures = [
      makeFigure({
        id: 'e2e.p50',
        benchmark: 'end-to-end',
        name: `Publish to row, p50, ${E2E_RATE} msg/s`,
        value: main.e2e.p50,
        unit: 'ms',
        reference: { name: 'MQTT hop p50', value: main.hop.p50 },
        note: describe(main),
      }),
      makeFigure({
        id: 'e2e.p95',
        benchmark: 'end-to-end',
        name: `Publish to row, p95, ${E2E_RATE} msg/s`,
        value: main.e2e.p95,
        unit: 'ms',
        reference: { name: 'MQTT hop p95', value: main.hop.p95 },
      }),
      makeFigure({
        id: 'e2e.p99',
        benchmark: 'end-to-end',
        name: `Publish to row, p99, ${E2E_RATE} msg/s`,
        value: main.e2e.p99,
        unit: 'ms',
        reference: { name: 'MQTT hop p99', value: main.hop.p99 },
        target: { of: 'value', op: '<', threshold: 1000, text: '< 1,000 ms' },
        note:
          main.missing > 0
            ? `a lower bound: ${main.missing} messages had no row when the wait ended and count with the time waited; ${describe(main)}; DynamoDB PutItem ${putStats()}`
            : `max ${main.e2e.max.toFixed(0)} ms; ${describe(main)}; DynamoDB PutItem ${putStats()}`,
      }),
      makeFigure({
        id: 'e2e.throughput',
        benchmark: 'end-to-end',
        name: 'Pipeline rows stored per second, offered 1,000 msg/s',
        value: main.rowsPerSecond,
        unit: 'rows/s',
        reference: { name: 'offered rate', value: main.rate },
        note: 'for information: the local pipeline (DynamoDB Local above all) on this machine, not AWS',
      }),
    ];
    if (low) {
      figures.push(
        makeFigure({
          id: 'e2e.low.p99',
          benchmark: 'end-to-end',
          name: `Publish to row, p99, ${LOW_RATE} msg/s`,
          value: low.e2e.p99,
          unit: 'ms',
          reference: { name: 'MQTT hop p99', value: low.hop.p99 },
          note: `for information, at a rate the local pipeline sustains: p50 ${low.e2e.p50.toFixed(0)} ms, p95 ${low.e2e.p95.toFixed(0)} ms; ${describe(low)}`,
        }),
      );
    }
    if (mem) {
      figures.push(
        makeFigure({
          id: 'memory.steady-rss',
          benchmark: 'memory',
          name: `Bridge RSS at steady state, ${E2E_RATE} msg/s`,
          value: mem.rssBytes / 2 ** 20,
          unit: 'MiB',
          note: `VmRSS of the bridge process (node --import tsx bridge/src/main.ts, as the local runner starts it) after the ${E2E_RATE} msg/s run; VmHWM ${(mem.hwmBytes / 2 ** 20).toFixed(0)} MiB`,
        }),
      );
    }
    return { figures, details: { main, low, bridgeMemory: mem, puts } };
  } finally {
    await pipeline.stop({ drainTimeoutMillis: 10_000 });
  }
}

/** A rate the local pipeline keeps up with on a small shared machine, for the latency it adds when not saturated. */
export const LOW_RATE = 100;
