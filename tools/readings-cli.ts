/**
 * `npm run readings -- <command>`: the readings table and the quarantine for people (aligned tables) and scripts
 * (`--json`), on DynamoDB Local (`--endpoint`) or a real account. Everything it does goes through `readings-client/`.
 *
 * Exit codes: 0 done, 1 DynamoDB or the network failed, 2 wrong input (one line on stderr).
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  checkPlausibility,
  checkReason,
  checkSeriesKey,
  findGaps,
  InvalidArgumentError,
  QuarantineClient,
  ReadingsClient,
  toSortKeyRange,
  type PlausibilityFlag,
  type QuarantinedItem,
  type SeriesEntry,
  type SeriesGapReport,
  type StoredReading,
} from '../readings-client';

/** The CLI's usage text. */
export const USAGE = `Usage: npm run readings -- <command> [options]

Commands:
  series <customer>                     the customer's series (meter registers), from the series registry
  get <series> [--from T] [--to T]      a series' readings, oldest first, with plausibility flags
  <series> [--from T] [--to T]          the same as get
  latest <series>                       a series' latest reading
  gaps <customer|series> [--from T] [--to T]
                                        completeness: per-series summary for a customer, the gaps of one series
                                        (for a customer, without --from: the 24 h before --to or now)
  quarantine list [--reason R] [--from T] [--to T]
                                        quarantined items by reason and time (conflicts with both values)
                                        (to replay: npm run replay -- quarantine --help)

  <series> is <customer-id>/<meter-id>/<register-id>, e.g. cust-1/meter-7/2.
  T is an ISO 8601 UTC time (2026-01-31T12:00:00Z) or a day (2026-01-31, its midnight UTC); both ends inclusive.
  For quarantine, --from/--to bound the quarantine time.

Options:
  --json                      JSON on stdout instead of a table
  --endpoint <url>            DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local
                              (default: AWS_ENDPOINT_URL_DYNAMODB, else the AWS endpoint of the region)
  --region <region>           AWS region (default: AWS_REGION, or us-east-1 with a local endpoint)
  --readings-table <name>     readings table (default: READINGS_TABLE_NAME; the stack output ReadingsTableName)
  --quarantine-table <name>   quarantine table (default: QUARANTINE_TABLE_NAME; the stack output QuarantineTableName)
  --page-size <n>             items per DynamoDB request (default 1000)
  -h, --help                  this text

Exit codes: 0 done, 1 DynamoDB or the network failed, 2 wrong input.
`;

/** Where the CLI writes and what it reads of its surroundings; tests pass their own. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** @default - a DynamoDBClient for the endpoint and region */
  readonly createClient?: (settings: ClientSettings) => DynamoDBClient;
  /** @default - the system clock */
  readonly now?: () => Date;
}

/** How to reach DynamoDB. */
export interface ClientSettings {
  readonly endpoint?: string;
  readonly region?: string;
}

/** Wrong input on the command line: exit 2. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

const OPTIONS = {
  json: { type: 'boolean' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  'readings-table': { type: 'string' },
  'quarantine-table': { type: 'string' },
  'page-size': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;
type Values = { [K in OptionName]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

const COMMON: readonly OptionName[] = [
  'json',
  'endpoint',
  'region',
  'readings-table',
  'quarantine-table',
  'page-size',
  'help',
];

/** The options each command takes besides the common ones, and its positional arguments. */
const COMMANDS: Record<string, { options: readonly OptionName[]; args: readonly string[] }> = {
  series: { options: [], args: ['customer'] },
  get: { options: ['from', 'to'], args: ['series'] },
  latest: { options: [], args: ['series'] },
  gaps: { options: ['from', 'to'], args: ['customer|series'] },
  'quarantine list': { options: ['reason', 'from', 'to'], args: [] },
};

/** Runs the CLI on `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let client: DynamoDBClient | undefined;
  let endpoint: string | undefined;
  try {
    const { values, positionals } = parse(argv);
    if (values.help || positionals.length === 0 || positionals[0] === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    const { command, args } = commandOf(positionals, values);
    // every input is checked before a client exists: wrong input never costs a request
    const settings = clientSettings(values, io.env);
    endpoint = settings.endpoint;
    const pageSize =
      values['page-size'] === undefined ? undefined : positiveInteger(values['page-size'], '--page-size');
    const range = { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) };
    toSortKeyRange(range);
    if (values.reason !== undefined) checkReason(values.reason);
    if (command === 'get' || command === 'latest' || (command === 'gaps' && args[0]!.includes('/'))) {
      checkSeriesKey(args[0]!);
    }
    const needsReadings = !command.startsWith('quarantine');
    const needsQuarantine = command.startsWith('quarantine');
    const readingsTableName = needsReadings
      ? tableName(values['readings-table'], io.env.READINGS_TABLE_NAME, 'readings')
      : undefined;
    const quarantineTableName = needsQuarantine
      ? tableName(values['quarantine-table'], io.env.QUARANTINE_TABLE_NAME, 'quarantine')
      : undefined;
    client = (io.createClient ?? defaultClient(io.env))(settings);
    const out = output(io, values.json === true);
    const readings = () =>
      new ReadingsClient({ client: client!, readingsTableName: readingsTableName!, ...(pageSize ? { pageSize } : {}) });
    const quarantine = () =>
      new QuarantineClient({
        client: client!,
        quarantineTableName: quarantineTableName!,
        ...(pageSize ? { pageSize } : {}),
      });
    const now = io.now ?? (() => new Date());
    switch (command) {
      case 'series':
        return await series(readings(), args[0]!, out);
      case 'get':
        return await get(readings(), args[0]!, range, now(), out);
      case 'latest':
        return await latest(readings(), args[0]!, out);
      case 'gaps':
        return await gaps(readings(), args[0]!, range, now(), out, io.stderr);
      case 'quarantine list':
        return await quarantineList(quarantine(), values.reason, range, out);
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof InvalidArgumentError) {
      io.stderr(`readings: ${oneLine(err.message)} (see --help)\n`);
      return 2;
    }
    const e = err as Error;
    io.stderr(`readings: ${e?.name ?? 'Error'}: ${oneLine(describeFailure(e, endpoint))}\n`);
    return 1;
  } finally {
    client?.destroy();
  }
}

function parse(argv: readonly string[]): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    // node's messages are long and end with advice about "--"; the first sentence says it all
    const message = ((err as Error).message ?? String(err)).split('. ')[0]!.replace(/\.$/, '');
    throw new UsageError(message);
  }
}

function commandOf(positionals: string[], values: Values): { command: string; args: string[] } {
  // `npm run readings -- <series> [--from --to]` (issue 7's way to look at what landed) is `get <series>`
  if (positionals.length === 1 && positionals[0]!.includes('/')) positionals = ['get', positionals[0]!];
  const [first = '', second = ''] = positionals;
  const command = first === 'quarantine' ? `quarantine ${second}` : first;
  const spec = COMMANDS[command];
  if (!spec) {
    if (command === 'quarantine replay') {
      throw new UsageError(
        'quarantine replay moved to the stream: npm run replay -- quarantine --quarantine-table <name> [--reason R] --stream <StreamName>',
      );
    }
    if (first === 'quarantine') throw new UsageError(`quarantine needs list, got ${JSON.stringify(second)}`);
    throw new UsageError(`unknown command ${JSON.stringify(first)}; commands: series, get, latest, gaps, quarantine`);
  }
  const args = positionals.slice(first === 'quarantine' ? 2 : 1);
  if (args.length !== spec.args.length) {
    const wanted = spec.args.length === 0 ? 'no argument' : `<${spec.args.join('> <')}>`;
    throw new UsageError(`${command} takes ${wanted}, got ${args.length === 0 ? 'none' : JSON.stringify(args)}`);
  }
  for (const name of Object.keys(values) as OptionName[]) {
    if (values[name] !== undefined && !COMMON.includes(name) && !spec.options.includes(name)) {
      throw new UsageError(`--${name} does not apply to ${command}`);
    }
  }
  return { command, args };
}

function clientSettings(values: Values, env: NodeJS.ProcessEnv): ClientSettings {
  const endpoint = values.endpoint ?? env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UsageError(`--endpoint must be a URL such as http://127.0.0.1:8000, got ${JSON.stringify(endpoint)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`--endpoint must be an http or https URL, got ${JSON.stringify(endpoint)}`);
    }
  }
  const region = values.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (endpoint ? 'us-east-1' : undefined);
  return { ...(endpoint !== undefined ? { endpoint } : {}), ...(region !== undefined ? { region } : {}) };
}

function isLoopback(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  const host = new URL(endpoint).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

function defaultClient(env: NodeJS.ProcessEnv): (settings: ClientSettings) => DynamoDBClient {
  return (settings) =>
    new DynamoDBClient({
      ...settings,
      // DynamoDB Local accepts any key; spare a newcomer without AWS credentials the SDK's credential error
      ...(isLoopback(settings.endpoint) && !env.AWS_ACCESS_KEY_ID && !env.AWS_PROFILE
        ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    });
}

function tableName(flag: string | undefined, env: string | undefined, which: 'readings' | 'quarantine'): string {
  const name = flag ?? env;
  if (!name) {
    const envName = which === 'readings' ? 'READINGS_TABLE_NAME' : 'QUARANTINE_TABLE_NAME';
    const output = which === 'readings' ? 'ReadingsTableName' : 'QuarantineTableName';
    throw new UsageError(`no ${which} table: pass --${which}-table or set ${envName} (the stack output ${output})`);
  }
  return name;
}

function positiveInteger(text: string, name: string): number {
  if (!/^[1-9]\d{0,5}$/.test(text))
    throw new UsageError(`${name} must be a whole number from 1 to 999999, got ${JSON.stringify(text)}`);
  return Number(text);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function describeFailure(err: Error, endpoint: string | undefined): string {
  const message = err?.message ?? String(err);
  if (err?.name === 'ResourceNotFoundException') return `${message} (is the table name right, and the endpoint?)`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(message)) {
    const where = endpoint ?? 'the AWS endpoint';
    return `${message}: cannot reach DynamoDB at ${where}${isLoopback(endpoint) ? ' (is npm start running, on that port?)' : ''}`;
  }
  return message;
}

// ---- output

interface Output {
  readonly json: boolean;
  value(value: unknown): void;
  table(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned?: readonly number[]): void;
  line(text: string): void;
}

function output(io: CliIo, json: boolean): Output {
  return {
    json,
    value: (value) => io.stdout(`${JSON.stringify(value, jsonReplacer, 2)}\n`),
    table: (headers, rows, rightAligned = []) => io.stdout(formatTable(headers, rows, rightAligned)),
    line: (text) => io.stdout(`${text}\n`),
  };
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}

/** Columns padded to their widest cell; numbers right-aligned so their digits line up. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: readonly number[] = [],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((c, i) => (rightAligned.includes(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [format(headers), ...rows.map(format)].map((l) => `${l}\n`).join('');
}

// ---- commands

async function series(client: ReadingsClient, customer: string, out: Output): Promise<number> {
  const entries: SeriesEntry[] = [];
  for await (const entry of client.listSeries(customer)) entries.push(entry);
  if (out.json) {
    out.value(entries);
    return 0;
  }
  if (entries.length === 0) {
    out.line(`no series for customer ${customer}`);
    return 0;
  }
  out.table(
    ['SERIES', 'METER', 'REGISTER', 'FIRST SEEN'],
    entries.map((e) => [e.seriesKey, e.meterId, String(e.registerId), e.attributes.firstSeenAt ?? '']),
    [2],
  );
  return 0;
}

async function get(
  client: ReadingsClient,
  seriesKey: string,
  range: { from?: string; to?: string },
  now: Date,
  out: Output,
): Promise<number> {
  checkSeriesKey(seriesKey);
  const readings = await client.readAll(seriesKey, range);
  const flags = checkPlausibility(readings, { now });
  if (out.json) {
    out.value({ seriesKey, readings, flags });
    return 0;
  }
  if (readings.length === 0) {
    out.line(`no readings for ${seriesKey}${describeRange(range)}`);
    return 0;
  }
  const byTime = new Map<string, PlausibilityFlag[]>();
  for (const f of flags) byTime.set(f.readingTime, [...(byTime.get(f.readingTime) ?? []), f]);
  out.table(
    ['READING TIME', 'VALUE', 'V', 'INTERVAL START', 'SUBSCRIPTION', 'FLAGS'],
    readings.map((r) => [
      r.readingTime,
      r.value,
      String(r.schemaVersion),
      r.intervalStart ?? '',
      r.subscriptionId,
      (byTime.get(r.readingTime) ?? []).map((f) => f.kind).join(','),
    ]),
    [1],
  );
  out.line(
    `${readings.length} reading${readings.length === 1 ? '' : 's'}${flags.length ? `, ${flags.length} flagged:` : ''}`,
  );
  for (const f of flags) out.line(`  ${f.kind}: ${f.message}`);
  return 0;
}

async function latest(client: ReadingsClient, seriesKey: string, out: Output): Promise<number> {
  checkSeriesKey(seriesKey);
  const reading = await client.getLatest(seriesKey);
  if (out.json) {
    out.value(reading ?? null);
    return 0;
  }
  if (!reading) {
    out.line(`no readings for ${seriesKey}`);
    return 0;
  }
  out.table(['FIELD', 'VALUE'], describeReading(reading));
  return 0;
}

function describeReading(r: StoredReading): string[][] {
  return [
    ['series', r.seriesKey],
    ['reading time', r.readingTime],
    ['value', r.value],
    [
      'schema version',
      `${r.schemaVersion}${r.knownSchemaVersion ? '' : ' (newer than this client: unknown attributes not shown)'}`,
    ],
    ...(r.intervalStart ? [['interval start', r.intervalStart]] : []),
    ...(r.systemTime ? [['system time', r.systemTime]] : []),
    ['subscription', r.subscriptionId],
    ...(r.extraFields ? [['extra fields', r.extraFields]] : []),
    ['received at', r.receivedAt],
    ['ingested at', r.ingestedAt],
    ['topic', r.source.topic],
    ['kinesis', `${r.source.shardId} ${r.source.sequenceNumber}`],
  ];
}

/** How far back `gaps <customer>` reads when no `--from` is given: every series is read, so the read is bounded. */
export const GAPS_DEFAULT_WINDOW_MILLIS = 24 * 60 * 60 * 1000;

async function gaps(
  client: ReadingsClient,
  target: string,
  range: { from?: string; to?: string },
  now: Date,
  out: Output,
  note: (text: string) => void,
): Promise<number> {
  const single = target.includes('/');
  const reports: SeriesGapReport[] = [];
  if (single) {
    checkSeriesKey(target);
    reports.push(await client.findGaps(target, range));
  } else {
    // a customer's every series: without --from, only the last day is read, and each series is checked between its
    // own first and last reading in it (a series that began within the day is not short of the readings before)
    let read = range;
    if (range.from === undefined) {
      const end = range.to === undefined ? now.getTime() : Date.parse(range.to);
      read = { ...range, from: new Date(end - GAPS_DEFAULT_WINDOW_MILLIS).toISOString() };
      note(
        `readings: gaps ${target} without --from reads the ${GAPS_DEFAULT_WINDOW_MILLIS / 3_600_000} h before ` +
          `${range.to ?? 'now'} (from ${read.from}); give --from/--to for another window\n`,
      );
    }
    for await (const entry of client.listSeries(target)) {
      const readings = await client.readAll(entry.seriesKey, read);
      reports.push({ seriesKey: entry.seriesKey, ...findGaps(readings, range) });
    }
  }
  if (out.json) {
    out.value(single ? reports[0] : reports);
    return 0;
  }
  if (reports.length === 0) {
    out.line(`no series for customer ${target}`);
    return 0;
  }
  out.table(
    ['SERIES', 'READINGS', 'CADENCE', 'MISSING', 'COMPLETE', 'GAPS', 'FIRST', 'LAST'],
    reports.map((r) => [
      r.seriesKey,
      String(r.readings),
      r.cadenceMillis === undefined ? '?' : formatDuration(r.cadenceMillis),
      String(r.missing),
      r.completeness === undefined ? '-' : `${(Math.floor(r.completeness * 1000) / 10).toFixed(1)}%`,
      String(r.gaps.length),
      r.first ?? '',
      r.last ?? '',
    ]),
    [1, 2, 3, 4, 5],
  );
  if (single && reports[0] && reports[0].gaps.length > 0) {
    out.line('');
    out.table(
      ['GAP FROM', 'GAP TO', 'MISSING'],
      reports[0].gaps.map((g) => [g.from, g.to, String(g.missing)]),
      [2],
    );
  }
  return 0;
}

/** `60000` -> `1m`, `900000` -> `15m`, `90000` -> `1m30s`, `1500` -> `1.5s`. */
export function formatDuration(millis: number): string {
  if (millis < 1000) return `${millis}ms`;
  if (millis < 60_000) return `${Number((millis / 1000).toFixed(3))}s`;
  const parts: string[] = [];
  let rest = Math.round(millis / 1000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

async function quarantineList(
  client: QuarantineClient,
  reason: string | undefined,
  range: { from?: string; to?: string },
  out: Output,
): Promise<number> {
  if (reason !== undefined) checkReason(reason);
  const items: QuarantinedItem[] = [];
  for await (const item of client.list({ ...range, ...(reason !== undefined ? { reason } : {}) })) items.push(item);
  if (out.json) {
    out.value(items);
    return 0;
  }
  if (items.length === 0) {
    out.line(`nothing quarantined${reason ? ` for ${reason}` : ''}${describeRange(range)}`);
    return 0;
  }
  items.sort((a, b) => (a.quarantinedAt < b.quarantinedAt ? -1 : a.quarantinedAt > b.quarantinedAt ? 1 : 0));
  out.table(
    ['QUARANTINED AT', 'REASON', 'TOPIC', 'DETAIL'],
    items.map((i) => [i.quarantinedAt, i.reason, i.topic || '-', detail(i)]),
  );
  const counts = new Map<string, number>();
  for (const i of items) counts.set(i.reason, (counts.get(i.reason) ?? 0) + 1);
  out.line(
    `${items.length} item${items.length === 1 ? '' : 's'}: ${[...counts].map(([r, n]) => `${r} ${n}`).join(', ')}`,
  );
  return 0;
}

function detail(item: QuarantinedItem): string {
  const c = item.conflict;
  if (c) {
    const both = `${c.seriesKey} @ ${c.readingTime}: stored ${c.storedValue} (${c.storedSource.shardId}/${c.storedSource.sequenceNumber}), conflicting ${c.conflictingValue} (${c.conflictingSource.shardId}/${c.conflictingSource.sequenceNumber})`;
    // the same value twice: the timestamps differ, and only the message says how
    return c.storedValue === c.conflictingValue ? `${both}; ${item.message}` : both;
  }
  const message = item.message.length > 100 ? `${item.message.slice(0, 99)}…` : item.message;
  return message.replace(/\s+/g, ' ');
}

function describeRange(range: { from?: string; to?: string }): string {
  if (range.from && range.to) return ` from ${range.from} to ${range.to}`;
  if (range.from) return ` from ${range.from}`;
  if (range.to) return ` up to ${range.to}`;
  return '';
}

if (require.main === module) {
  // the SDK's notice about future Node.js versions is not about this command: keep stderr to the one line that is
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING ??= '1';
  main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`readings: ${(err as Error)?.message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
