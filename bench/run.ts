/**
 * `npm run bench`: every benchmark, each figure beside its reference measured in the same run, a table on stdout,
 * `bench/results.json`, `docs/performance.md` and `docs/cost.md` written. `--quick` (about two minutes, run by
 * .ci/run so the benchmark never rots) writes the same files under bench/out/. `--only a,b` runs some benchmarks.
 * `--report` measures nothing: it writes the pages again from the results.json of the mode (and the README's table
 * from a full run in which every benchmark ran).
 * Missing a target is not a failure (the table says so); a benchmark that cannot run is, and exits 1.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { benchAckWindow } from './ack-window';
import { benchBridgeOverhead } from './bridge-overhead';
import { benchBrokerWindow } from './broker-window';
import { costMarkdown, type CostInputs } from './cost-report';
import { benchEndToEnd } from './end-to-end';
import { benchIngest } from './ingest';
import { benchLanes } from './lanes';
import { benchMemory } from './memory';
import { performanceChart, performanceMarkdown, readmeTable, type BenchResults } from './performance-report';
import type { Benchmark, BenchContext } from './support/context';
import type { Figure } from './support/figures';
import { LOCAL_AWS_ENV } from './support/kinesis';
import { MOSQUITTO_BINARY } from './support/mosquitto';
import { textTable } from './support/table';

const BENCHMARKS: readonly (readonly [string, Benchmark])[] = [
  ['bridge-overhead', benchBridgeOverhead],
  ['ack-window', benchAckWindow],
  ['broker-window', benchBrokerWindow],
  ['lanes', benchLanes],
  ['ingest', benchIngest],
  ['end-to-end', benchEndToEnd],
  ['memory', benchMemory],
];

const ROOT = join(__dirname, '..');

function usage(problem: string): never {
  console.error(
    `${problem}\nusage: npm run bench [-- --quick] [--only ${BENCHMARKS.map(([n]) => n).join(',')}] [--report]`,
  );
  process.exit(2);
}

function mosquittoVersion(): string {
  const out = spawnSync(MOSQUITTO_BINARY, ['-h'], { encoding: 'utf8' });
  return /mosquitto version [\d.]+/.exec(`${out.stdout}${out.stderr}`)?.[0] ?? 'mosquitto (version unknown)';
}

/** The cost page's inputs, from the ingest benchmark's details; undefined when it did not run. */
function costInputs(details: Record<string, unknown>): CostInputs | undefined {
  const ingest = details.ingest as
    | {
        recordBytes: number;
        storedItemBytes: number;
        perNew: { writeUnits: number };
        perDup: { writeUnits: number };
        ratesByCase: Record<string, { handlerBatchMillis: number[] }>;
      }
    | undefined;
  if (!ingest) return undefined;
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  return {
    recordBytes: ingest.recordBytes,
    writeUnitsPerNew: ingest.perNew.writeUnits,
    writeUnitsPerDuplicate: ingest.perDup.writeUnits,
    storedItemBytes: ingest.storedItemBytes,
    handlerMillisByBatch: Object.entries(ingest.ratesByCase)
      .filter(([k]) => k.endsWith('-d0'))
      .map(([k, v]) => ({ batch: Number(k.slice(1, k.indexOf('-'))), millis: med(v.handlerBatchMillis) })),
  };
}

/** Writes a Markdown page formatted the way `npm run lint` checks it (Prettier with the repository's settings). */
async function writeMarkdown(file: string, markdown: string): Promise<void> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(markdown, { ...options, filepath: file }));
}

const README_START = '<!-- bench:measured:start -->';
const README_END = '<!-- bench:measured:end -->';

/** Replaces the README's measured table (between its markers) with the one of a full run. */
async function writeReadmeTable(results: BenchResults): Promise<void> {
  const file = join(ROOT, 'README.md');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} ... ${README_END} markers`);
  const next = `${text.slice(0, start + README_START.length)}\n\n${readmeTable(results)}\n\n${text.slice(end)}`;
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(file)) ?? {};
  writeFileSync(file, await prettier.format(next, { ...options, filepath: file }));
}

/** Writes performance.md, and cost.md when the ingest figures exist; returns whether cost.md was written. */
async function writePages(results: BenchResults, docsDir: string): Promise<boolean> {
  mkdirSync(docsDir, { recursive: true });
  await writeMarkdown(join(docsDir, 'performance.md'), performanceMarkdown(results));
  const chart = performanceChart(results);
  if (chart) writeFileSync(join(docsDir, 'performance.svg'), chart);
  const cost = costInputs(results.details);
  if (cost) await writeMarkdown(join(docsDir, 'cost.md'), costMarkdown(cost, results));
  return cost !== undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
  for (const a of args) {
    if (a.startsWith('--') && !['--quick', '--only', '--report'].includes(a)) usage(`unknown option ${a}`);
  }
  const outDir = quick ? join(ROOT, 'bench', 'out') : join(ROOT, 'bench');
  const docsDir = quick ? join(ROOT, 'bench', 'out') : join(ROOT, 'docs');
  if (args.includes('--report')) {
    const saved = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8')) as BenchResults;
    await writePages(saved, docsDir);
    // the README's table too, when the saved run is a full one in which every benchmark ran
    const whole = BENCHMARKS.every(([name]) => saved.figures.some((f) => f.benchmark === name));
    if (saved.mode === 'full' && saved.errors.length === 0 && whole) await writeReadmeTable(saved);
    console.log(textTable([...saved.figures]));
    return;
  }
  const unknown = only?.filter((n) => !BENCHMARKS.some(([name]) => name === n)) ?? [];
  if (only && (only.length === 0 || unknown.length > 0))
    usage(`--only names no known benchmark: ${JSON.stringify(unknown)}`);

  Object.assign(process.env, LOCAL_AWS_ENV, { POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' });
  const started = performance.now();
  const ctx: BenchContext = {
    quick,
    log: (m) => console.error(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}`),
  };
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const errors: { benchmark: string; error: string }[] = [];
  for (const [name, bench] of BENCHMARKS) {
    if (only && !only.includes(name)) continue;
    ctx.log(`${name}: start`);
    try {
      const out = await bench(ctx);
      figures.push(...out.figures);
      details[name] = out.details;
    } catch (err) {
      const e = err as Error;
      ctx.log(`${name}: FAILED: ${e.stack ?? e.message}`);
      errors.push({ benchmark: name, error: e.message });
    }
  }
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    durationSeconds: (performance.now() - started) / 1000,
    machine: {
      cpus: cpus().length,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      mosquitto: mosquittoVersion(),
    },
    figures,
    errors,
    details,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const cost = await writePages(results, docsDir);
  // the README carries a full run's figures only, and only when every benchmark ran
  if (!quick && !only) await writeReadmeTable(results);
  console.log(textTable(figures));
  console.log(
    `\n${results.mode} run, ${Math.round(results.durationSeconds)} s; wrote ${join(outDir, 'results.json')}, ` +
      `${join(docsDir, 'performance.md')}${cost ? `, ${join(docsDir, 'cost.md')}` : ' (no cost page: ingest did not run)'}`,
  );
  if (errors.length > 0) {
    console.error(
      `\n${errors.length} benchmark(s) did not run to the end: ${errors.map((e) => e.benchmark).join(', ')}`,
    );
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
