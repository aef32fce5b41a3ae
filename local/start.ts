/**
 * `npm start`: the whole pipeline on this machine, with no AWS account: a simulated feed published to an embedded MQTT
 * broker, the real bridge (its own process) writing to kinesalite, the stream poller invoking the real ingest handler,
 * DynamoDB Local holding the tables; a live status, and at the end a summary that checks the books against the tables.
 * `npm start -- --help` lists the flags; docs/local.md explains what it shows.
 *
 * The runner supervises itself: the process started by `npm start` only starts the real runner in a process group of
 * its own and passes signals on. A Ctrl-C in a terminal signals the whole foreground group; this way it reaches the
 * runner alone, which then stops everything in order (bridge first, then the poller drains, then the services),
 * instead of every child dying at once.
 */
import './quiet-sdk';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { audit, readTables, type AuditResult } from './audit';
import { readArchive } from '../tools/replay/archive-reader';
import type { BridgeStatusView } from './bridge-process';
import { FEED_FLAGS, FEED_FLAGS_HELP, feedFromFlags, numberFlag, parseFlags, portFlag, UsageError } from './cli/flags';
import { startLocalPipeline, type LocalPipeline } from './pipeline';
import { assertJavaInstalled } from './services/dynamodb-local';
import { MissingToolError } from './services/missing-tool-error';
import { feedFilter, feedOptions, feedTopicShapes, filterMatches } from './simulator/feed';
import { startSimulator, type Simulator } from './simulator/publisher';
import { BlockWriter, renderBlock, renderLine, type StatusSnapshot } from './status-view';
import { STREAM_POLLER_DEFAULTS } from './stream-poller';

const SUPERVISED = 'METER_READINGS_LOCAL_RUNNER';

/** The runner's defaults, in one place. */
export const START_DEFAULTS = {
  ratePerSecond: 100,
  shards: 2,
  drainTimeoutSeconds: 120,
  clientId: 'local-bridge',
} as const;

const FLAGS = {
  count: { type: 'string' },
  duration: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
  rate: { type: 'string' },
  shards: { type: 'string' },
  'batch-size': { type: 'string' },
  'batching-window': { type: 'string' },
  'max-retries': { type: 'string' },
  broker: { type: 'string' },
  username: { type: 'string' },
  password: { type: 'string' },
  'client-id': { type: 'string' },
  topics: { type: 'string' },
  'broker-port': { type: 'string' },
  'kinesis-port': { type: 'string' },
  'dynamodb-port': { type: 'string' },
  'health-port': { type: 'string' },
  'drain-timeout': { type: 'string' },
  'state-dir': { type: 'string' },
  keep: { type: 'boolean' },
  ...FEED_FLAGS,
} as const;

const HELP = `Usage: npm start -- [flags]

Runs the whole pipeline on this machine (no AWS account needed): a simulated feed -> MQTT broker -> the real bridge
-> Kinesis (kinesalite) -> the real ingest function -> DynamoDB Local, with a live status and, at the end, a summary
that checks the books against the tables (exit 1 if they do not balance). Needs a Java runtime for DynamoDB Local.

Run:
  --count N             stop after N published messages (and show a progress bar)
  --duration S          stop publishing after S seconds (without --count or --duration: until Ctrl-C)
  --json                print the summary as JSON on stdout (the status goes to stderr)
  --rate N              messages per second published by the simulator (default ${START_DEFAULTS.ratePerSecond})
  --drain-timeout S     longest wait, after publishing stops, for everything to be stored (default ${START_DEFAULTS.drainTimeoutSeconds})
  --state-dir DIR       logs and the on-failure file (default .local)
  --keep                keep DynamoDB Local running after the summary (until Ctrl-C), to look at the tables
                        with \`npm run readings\`
  --help                this text

Pipeline:
  --shards N            shards of the Kinesis stream (default ${START_DEFAULTS.shards})
  --batch-size N        records per ingest invocation, like the event source mapping (default ${STREAM_POLLER_DEFAULTS.batchSize})
  --batching-window MS  longest wait to fill a batch, in milliseconds (default ${STREAM_POLLER_DEFAULTS.batchingWindowMillis})
  --max-retries N       retries of a failing batch before its on-failure record; -1 = forever (default ${STREAM_POLLER_DEFAULTS.maxRetryAttempts})

Broker and bridge:
  --broker URL          an external broker instead of the embedded one; for a non-loopback broker no simulator runs
                        (use the provider's broker with --username/--password and --topics)
  --username NAME       MQTT user name (default: $MQTT_USERNAME)
  --password SECRET     MQTT password (default: $MQTT_PASSWORD)
  --client-id ID        the bridge's MQTT client id (default ${START_DEFAULTS.clientId})
  --topics LIST         the bridge's subscription filters, comma-separated (default meters/outbound/<customer>/#)

Ports (default: free loopback ports, printed at start):
  --broker-port N  --kinesis-port N  --dynamodb-port N  --health-port N

${FEED_FLAGS_HELP}
`;

type Values = ReturnType<typeof parseFlags<typeof FLAGS>>;

interface RunSettings {
  readonly count?: number;
  readonly durationMillis?: number;
  readonly json: boolean;
  readonly rate: number;
  readonly shards: number;
  readonly batchSize?: number;
  readonly batchingWindowMillis?: number;
  readonly maxRetryAttempts?: number;
  readonly brokerUrl?: string;
  readonly simulate: boolean;
  readonly username?: string;
  readonly password?: string;
  readonly clientId: string;
  readonly topics: readonly string[];
  readonly ports: { broker?: number; kinesis?: number; dynamodb?: number; health?: number };
  readonly drainTimeoutMillis: number;
  readonly stateDir?: string;
  readonly keep: boolean;
  readonly feed: ReturnType<typeof feedFromFlags>;
}

function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** Reads and checks the flags; a problem is a {@link UsageError}. */
export function settingsFromArgs(argv: readonly string[]): RunSettings | 'help' {
  const values: Values = parseFlags(argv, FLAGS);
  if (values.help) return 'help';
  const feed = feedFromFlags(values);
  let customerId: string;
  try {
    customerId = feedOptions(feed).customerId;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const count = numberFlag(values, 'count', { integer: true, min: 1 });
  const duration = numberFlag(values, 'duration', { min: 1, max: 7 * 24 * 3600 });
  if (values.broker !== undefined && !/^mqtts?:\/\/[^/]+/.test(values.broker)) {
    throw new UsageError(
      `--broker must be mqtt://host:port or mqtts://host:port, got ${JSON.stringify(values.broker)}`,
    );
  }
  const brokerUrl = values.broker;
  const simulate = brokerUrl === undefined || isLoopbackUrl(brokerUrl);
  if (!simulate && count !== undefined) {
    throw new UsageError(
      '--count needs the simulator, which does not run against a non-loopback broker: use --duration',
    );
  }
  if (brokerUrl !== undefined && values['broker-port'] !== undefined) {
    throw new UsageError('--broker-port is for the embedded broker; with --broker the port is in the URL');
  }
  const topics = (values.topics ?? feedFilter({ customerId }))
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  if (topics.length === 0) throw new UsageError('--topics must name at least one subscription filter');
  if (simulate) {
    const unmatched = feedTopicShapes(feedOptions(feed)).filter((t) => !topics.some((f) => filterMatches(f, t)));
    if (unmatched.length > 0) {
      throw new UsageError(
        `--topics ${JSON.stringify(topics.join(','))} does not receive the simulator's topic ${JSON.stringify(unmatched[0])}, so the books could not balance: use ${feedFilter({ customerId })}`,
      );
    }
  }
  const maxRetries = numberFlag(values, 'max-retries', { integer: true, min: -1, max: 1_000_000 });
  const batchSize = numberFlag(values, 'batch-size', { integer: true, min: 1, max: 10_000 });
  const batchingWindow = numberFlag(values, 'batching-window', { integer: true, min: 0, max: 300_000 });
  const ports = {
    broker: portFlag(values, 'broker-port'),
    kinesis: portFlag(values, 'kinesis-port'),
    dynamodb: portFlag(values, 'dynamodb-port'),
    health: portFlag(values, 'health-port'),
  };
  const given = Object.values(ports).filter((p): p is number => p !== undefined);
  if (new Set(given).size !== given.length) throw new UsageError('the --*-port flags must name different ports');
  const username = values.username ?? process.env.MQTT_USERNAME;
  const password = values.password ?? process.env.MQTT_PASSWORD;
  return {
    ...(count !== undefined ? { count } : {}),
    ...(duration !== undefined ? { durationMillis: duration * 1000 } : {}),
    json: values.json === true,
    rate: numberFlag(values, 'rate', { min: 0.1, max: 100_000 }) ?? START_DEFAULTS.ratePerSecond,
    shards: numberFlag(values, 'shards', { integer: true, min: 1, max: 50 }) ?? START_DEFAULTS.shards,
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(batchingWindow !== undefined ? { batchingWindowMillis: batchingWindow } : {}),
    ...(maxRetries !== undefined ? { maxRetryAttempts: maxRetries < 0 ? Infinity : maxRetries } : {}),
    ...(brokerUrl !== undefined ? { brokerUrl } : {}),
    simulate,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    clientId: values['client-id'] ?? START_DEFAULTS.clientId,
    topics,
    ports: Object.fromEntries(Object.entries(ports).filter(([, p]) => p !== undefined)),
    drainTimeoutMillis: (numberFlag(values, 'drain-timeout', { min: 1 }) ?? START_DEFAULTS.drainTimeoutSeconds) * 1000,
    ...(values['state-dir'] ? { stateDir: values['state-dir'] } : {}),
    keep: values.keep === true,
    feed,
  };
}

/** Throws a one-line error when something already listens on a port given by a flag. */
async function assertPortFree(port: number, flag: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} (--${flag}) is already in use: choose another one or leave the flag out`
            : `port ${port} (--${flag}) cannot be used: ${err.message}`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The summary of a run: the audit and what was measured. */
export interface RunSummary extends AuditResult {
  readonly interrupted?: string;
  readonly runSeconds: number;
  readonly publishSeconds: number;
  readonly settings: {
    readonly seed: number;
    readonly rate: number;
    readonly shards: number;
    readonly count?: number;
    readonly durationSeconds?: number;
  };
  readonly bridge?: BridgeStatusView;
  readonly poller: {
    readonly invocations: number;
    readonly recordsProcessed: number;
    readonly retries: number;
    readonly onFailure: number;
  };
  readonly ingest: {
    readonly stored: number;
    readonly duplicates: number;
    readonly conflicts: number;
    readonly quarantined: number;
    readonly failures: number;
  };
  readonly ports: LocalPipeline['ports'] & { readonly broker?: number };
  /** Where the raw archive is (s3rver). */
  readonly archive?: { readonly endpoint: string; readonly bucket: string; readonly prefix: string };
  readonly logs: LocalPipeline['logFiles'];
}

/** Runs the pipeline until the count, the duration or a signal; returns the exit code. */
async function run(settings: RunSettings): Promise<number> {
  const startedAt = Date.now();
  const tty = !settings.json && process.stdout.isTTY === true;
  let outputClosed = false;
  const out = (text: string) => void (outputClosed || process.stdout.write(text));
  // With --json, stdout carries the JSON summary only.
  const block = new BlockWriter(out);
  const info = (line: string) => {
    if (outputClosed) return;
    if (settings.json) process.stderr.write(`${line}\n`);
    else if (tty) block.above(line);
    else out(`${line}\n`);
  };
  let interrupted: string | undefined;
  let forced = false;
  let wake: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (wake = resolve));
  const running: { pipeline?: LocalPipeline } = {};
  const onSignal = (signal: string) => {
    if (interrupted === undefined) {
      interrupted = signal;
      info(`\n${signal}: stopping (bridge first, then the stream drains); again to stop at once`);
      wake();
      return;
    }
    if (!forced) {
      forced = true;
      info(`${signal} again: stopping everything now`);
      // While starting, the pipeline is stopped as soon as its start returns (below), so nothing is left behind.
      if (running.pipeline) void running.pipeline.kill().finally(() => process.exit(130));
    }
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGHUP', () => onSignal('SIGHUP'));
  // The supervising parent went away (killed): stop as for SIGTERM.
  process.on('disconnect', () => onSignal('SIGTERM'));
  // The reader of the output went away (`npm start | head`: EPIPE; a closed terminal: EIO): stop as for SIGTERM,
  // writing nothing more, instead of dying on the write error with the services left running.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', () => {
      outputClosed = true;
      onSignal('EPIPE');
    });
  }
  // Its own crash: stop everything at once, then exit 1 (the services also die with it: local/services/child-service.ts).
  process.once('uncaughtException', (err) => {
    if (!outputClosed) process.stderr.write(`npm start: crashed: ${err.message}\n`);
    void (running.pipeline?.kill() ?? Promise.resolve()).finally(() => process.exit(1));
  });

  for (const [name, port] of Object.entries(settings.ports)) {
    if (port !== undefined) await assertPortFree(port, `${name}-port`);
  }
  assertJavaInstalled();

  info('starting: DynamoDB Local, kinesalite, MQTT broker, the bridge, the stream poller...');
  const p = await startLocalPipeline({
    ...(settings.stateDir ? { stateDir: settings.stateDir } : {}),
    ...(settings.brokerUrl ? { brokerUrl: settings.brokerUrl } : {}),
    ...(settings.ports.broker ? { brokerPort: settings.ports.broker } : {}),
    ...(settings.ports.kinesis ? { kinesisPort: settings.ports.kinesis } : {}),
    ...(settings.ports.dynamodb ? { dynamodbPort: settings.ports.dynamodb } : {}),
    ...(settings.ports.health ? { healthPort: settings.ports.health } : {}),
    shards: settings.shards,
    bridge: {
      clientId: settings.clientId,
      topics: settings.topics,
      ...(settings.username ? { username: settings.username } : {}),
      ...(settings.password ? { password: settings.password } : {}),
    },
    poller: {
      ...(settings.batchSize !== undefined ? { batchSize: settings.batchSize } : {}),
      ...(settings.batchingWindowMillis !== undefined ? { batchingWindowMillis: settings.batchingWindowMillis } : {}),
      ...(settings.maxRetryAttempts !== undefined ? { maxRetryAttempts: settings.maxRetryAttempts } : {}),
    },
    log: info,
  });
  running.pipeline = p;
  if (forced) {
    await p.kill();
    return 130;
  }
  try {
    return await drive(settings, p, {
      info,
      out,
      tty,
      block,
      startedAt,
      stopRequested,
      state: () => ({ interrupted, forced }),
    });
  } catch (err) {
    await p.kill();
    if (forced) {
      info('stopped at once; the books were not checked');
      return 130;
    }
    throw err;
  }
}

interface DriveContext {
  readonly info: (line: string) => void;
  readonly out: (text: string) => void;
  readonly tty: boolean;
  readonly block: BlockWriter;
  readonly startedAt: number;
  readonly stopRequested: Promise<void>;
  readonly state: () => { interrupted?: string; forced: boolean };
}

/** Publishes, shows the status, drains, stops in order and audits. */
async function drive(settings: RunSettings, p: LocalPipeline, ctx: DriveContext): Promise<number> {
  const { info, out, tty, startedAt, stopRequested } = ctx;
  const ports = p.ports;
  info(
    `ports: broker ${ports.broker ?? settings.brokerUrl}, kinesis ${ports.kinesis}, dynamodb ${ports.dynamodb}, bridge health ${ports.health}; logs in ${join(p.logFiles.bridge, '..')}`,
  );

  let simulator: Simulator | undefined;
  const publishStarted = Date.now();
  if (settings.simulate && ctx.state().interrupted === undefined) {
    simulator = await startSimulator({
      brokerUrl: p.brokerUrl,
      ratePerSecond: settings.rate,
      ...(settings.count !== undefined ? { count: settings.count } : {}),
      ...(settings.durationMillis !== undefined ? { durationMillis: settings.durationMillis } : {}),
      ...(settings.username ? { username: settings.username } : {}),
      ...(settings.password ? { password: settings.password } : {}),
      feed: settings.feed,
    });
    info(`simulator: publishing ${settings.rate}/s to ${p.brokerUrl} (seed ${feedOptions(settings.feed).seed})`);
  } else if (!settings.simulate) {
    info(`no simulator against ${settings.brokerUrl}: the bridge forwards the broker's own messages`);
  }

  // Live status
  let phase = 'running';
  let bridgeStatus: BridgeStatusView | undefined;
  const { block } = ctx;
  const snapshot = (): StatusSnapshot => {
    const o = p.ingest.outcomes();
    const s = p.poller.stats();
    return {
      elapsedMillis: Date.now() - publishStarted,
      ...(simulator ? { published: simulator.published() } : {}),
      received: bridgeStatus?.received ?? 0,
      written: bridgeStatus?.written ?? 0,
      pending: bridgeStatus?.pending ?? 0,
      stored: o.stored,
      duplicates: o.duplicates,
      conflicts: o.conflicts,
      quarantined: o.quarantined,
      quarantinedByReason: { ...o.rejectedByReason, ...(o.conflicts ? { conflict: o.conflicts } : {}) },
      streamBacklog: Math.max(0, (bridgeStatus?.written ?? 0) - s.recordsProcessed),
      millisBehindLatest: s.millisBehindLatest,
      ...(settings.count !== undefined ? { count: settings.count } : {}),
      ...(settings.durationMillis !== undefined ? { durationMillis: settings.durationMillis } : {}),
      phase,
    };
  };
  let lastLine = 0;
  const refresh = async () => {
    bridgeStatus = (await p.bridge()?.status()) ?? bridgeStatus;
    if (tty) block.draw(renderBlock(snapshot()));
    else if (Date.now() - lastLine >= 5000) {
      lastLine = Date.now();
      info(renderLine(snapshot()));
    }
  };
  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    void refresh().finally(() => (refreshing = false));
  }, 500);

  // Until the count, the duration or a signal
  const limit = simulator
    ? simulator.finished.then(() => undefined)
    : settings.durationMillis !== undefined
      ? sleep(settings.durationMillis)
      : new Promise<void>(() => undefined);
  // A bridge that exits by itself ends the run: what it did not take stays at the broker, and the books say so.
  let bridgeExit: number | string | undefined;
  const bridge = p.bridge();
  const bridgeExited = bridge
    ? bridge.exited.then((code) => {
        if (phase === 'stopping') return;
        bridgeExit = code;
        info(`the bridge exited by itself (${String(code)}); see ${p.logFiles.bridge}`);
      })
    : new Promise<void>(() => undefined);
  await Promise.race([limit, stopRequested, bridgeExited]);
  phase = 'draining';
  const books = simulator ? await simulator.stop() : undefined;
  const publishSeconds = (Date.now() - publishStarted) / 1000;

  // Drain: the bridge has received and written everything published, and the poller has read the stream to its end.
  const drainDeadline =
    Date.now() +
    (ctx.state().interrupted ? Math.min(settings.drainTimeoutMillis, 15_000) : settings.drainTimeoutMillis);
  for (;;) {
    bridgeStatus = (await p.bridge()?.status()) ?? bridgeStatus;
    const b = bridgeStatus;
    const bridgeDone =
      b !== undefined && b.pending === 0 && b.written >= b.received && (!books || b.received >= books.published);
    if (bridgeDone && p.poller.stats().recordsProcessed >= b.written) {
      await p.poller.waitUntilCaughtUp(Math.max(0, drainDeadline - Date.now()));
      break;
    }
    if (Date.now() > drainDeadline || ctx.state().forced || bridgeExit !== undefined) {
      info(`drain: not everything arrived within the drain timeout (bridge ${JSON.stringify(b ?? 'no status')})`);
      break;
    }
    await sleep(200);
  }
  phase = 'stopping';
  clearInterval(timer);
  while (refreshing) await sleep(20);
  if (tty) block.draw(renderBlock(snapshot()));
  await p.stopBridge();
  await Promise.all([
    p.poller.stop({ drain: true, timeoutMillis: 15_000 }),
    p.archive.poller.stop({ drain: true, timeoutMillis: 15_000 }),
  ]);

  let result: AuditResult;
  try {
    const tables = await readTables(p.dynamoDbClient, p.tables);
    let archived = 0;
    for await (const _ of readArchive({ client: p.archive.client, bucket: p.archive.bucket, prefix: p.archive.prefix }))
      archived += 1;
    const pollerStats = p.poller.stats();
    const o = p.ingest.outcomes();
    result = audit({
      ...(simulator ? { books: simulator.books } : {}),
      tables,
      poller: {
        recordsProcessed: pollerStats.recordsProcessed,
        recordsSkipped: pollerStats.recordsSkipped,
        onFailure: pollerStats.onFailure.length,
      },
      ...(bridgeStatus && books ? { bridge: { received: bridgeStatus.received, written: bridgeStatus.written } } : {}),
      ingest: { stored: o.stored, duplicates: o.duplicates, conflicts: o.conflicts, quarantined: o.quarantined },
      archive: { records: archived },
    });
  } finally {
    await p.stop({ drainTimeoutMillis: 1000, keepDynamoDb: settings.keep && !ctx.state().interrupted });
  }
  const pollerStats = p.poller.stats();
  const o = p.ingest.outcomes();
  const interrupted = ctx.state().interrupted;
  const summary: RunSummary = {
    ...result,
    ...(interrupted ? { interrupted } : {}),
    runSeconds: (Date.now() - startedAt) / 1000,
    publishSeconds,
    settings: {
      seed: feedOptions(settings.feed).seed,
      rate: settings.rate,
      shards: settings.shards,
      ...(settings.count !== undefined ? { count: settings.count } : {}),
      ...(settings.durationMillis !== undefined ? { durationSeconds: settings.durationMillis / 1000 } : {}),
    },
    ...(bridgeStatus ? { bridge: bridgeStatus } : {}),
    poller: {
      invocations: pollerStats.invocations,
      recordsProcessed: pollerStats.recordsProcessed,
      retries: pollerStats.retries,
      onFailure: pollerStats.onFailure.length,
    },
    ingest: {
      stored: o.stored,
      duplicates: o.duplicates,
      conflicts: o.conflicts,
      quarantined: o.quarantined,
      failures: o.failures,
    },
    ports,
    archive: { endpoint: p.archive.endpoint, bucket: p.archive.bucket, prefix: p.archive.prefix },
    logs: p.logFiles,
  };
  if (settings.json) out(`${JSON.stringify(summary)}\n`);
  else out(renderSummary(summary, !!books));
  if (settings.keep && !ctx.state().interrupted) {
    info(
      `\nDynamoDB Local keeps running on ${p.dynamodbEndpoint} until Ctrl-C. In another terminal:\n` +
        `  export AWS_ENDPOINT_URL_DYNAMODB=${p.dynamodbEndpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local\n` +
        `  export READINGS_TABLE_NAME=${p.tables.readings} QUARANTINE_TABLE_NAME=${p.tables.quarantine}\n` +
        `  npm run readings -- series ${feedOptions(settings.feed).customerId}`,
    );
    await stopRequested;
    await p.stopDynamoDb();
  }
  return summary.balanced ? 0 : 1;
}

/** The summary for a human. */
export function renderSummary(s: RunSummary, simulated: boolean): string {
  const reasons = (byReason: Record<string, number>) =>
    Object.entries(byReason)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([r, c]) => `${r} ${c}`)
      .join(', ') || 'none';
  const lines = [
    '',
    `summary${s.interrupted ? ` (interrupted by ${s.interrupted})` : ''}: ran ${s.runSeconds.toFixed(1)}s, published for ${s.publishSeconds.toFixed(1)}s`,
    simulated
      ? `  published            ${s.published}: ${s.unique} unique readings, ${s.duplicatesPublished} duplicate deliveries, ${s.malformed.total} malformed`
      : "  published            (no simulator: the broker's own feed)",
    `  bridge               received ${s.bridge?.received ?? '-'}, wrote ${s.bridge?.written ?? '-'} records, acknowledged ${s.bridge?.acked ?? '-'}`,
    `  readings stored      ${s.stored} (in the table)`,
    `  raw archive          ${s.archived ?? '-'} records (s3rver, bucket ${s.archive?.bucket ?? '-'})`,
    `  duplicates skipped   ${s.duplicates}; conflicts ${s.conflicts}; redeliveries ${s.redeliveries}`,
    `  quarantined          ${s.quarantined.total} (in the table): ${reasons(s.quarantined.byReason)}`,
    ...(simulated ? [`  malformed published  ${reasons(s.malformed.byReason)}`] : []),
    '  checks:',
    ...s.checks.map((c) => `    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`),
    s.balanced ? 'the books balance.' : 'THE BOOKS DO NOT BALANCE.',
    `logs: ${s.logs.bridge}, ${s.logs.ingest}`,
    '',
  ];
  return lines.join('\n');
}

/** The supervising parent: starts the runner in its own process group and passes signals on. */
function supervise(argv: readonly string[]): void {
  const child = spawn(process.execPath, [...process.execArgv, __filename, ...argv], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
    env: { ...process.env, [SUPERVISED]: '1' },
  });
  // One Ctrl-C in a terminal reaches this process more than once (from the terminal, and relayed by npm and tsx);
  // the runner must see it once, or it takes it for the second Ctrl-C that stops everything at once.
  let lastForwarded = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (Date.now() - lastForwarded < 1000) return;
      lastForwarded = Date.now();
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
}

async function main(argv: readonly string[]): Promise<number | undefined> {
  const settings = settingsFromArgs(argv);
  if (settings === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  if (process.env[SUPERVISED] !== '1') {
    supervise(argv);
    return undefined;
  }
  return run(settings);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) {
      process.disconnect?.();
      process.exit(code);
    }
  },
  (err: unknown) => {
    const e = err as Error;
    const message = e instanceof UsageError || e instanceof MissingToolError ? e.message : (e?.message ?? String(err));
    process.stderr.write(`npm start: ${message}${e instanceof UsageError ? ' (see --help)' : ''}\n`);
    process.disconnect?.();
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
