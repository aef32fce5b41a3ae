/**
 * `npm run replay -- <source> [options]`: puts records back into the stream from the raw archive, the failed-records
 * bucket or the quarantine, so they pass the deployed decoder, keep per-meter order and show in the same metrics.
 *
 * Exit codes: 0 done, 1 AWS or the network failed, 2 wrong input (one line on stderr), 3 stopped before the end
 * (Ctrl-C, or Kinesis not accepting): the last line names the `--resume` to go on.
 */
import { parseArgs } from 'node:util';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_ARCHIVE_PREFIX, REPLAY_SOURCES, type ReplaySource } from '../../core';
import { QuarantineClient, checkReason } from '../../readings-client';
import { archiveItems } from './archive-source';
import { failedRecordItems, FailedRecordsFormatError } from './failed-records-source';
import { quarantineItems } from './quarantine-source';
import type { ReplayItem } from './replay-item';
import { ReplayInterruptedError, runReplay } from './replay-run';
import { loadState, ReplayStateError, type ReplayState } from './replay-state';
import { checkSelection, SelectionError, type Selection } from './selection';

const USAGE = `Usage: npm run replay -- <source> [options]

Sources:
  archive          --bucket <ArchiveBucketName> --from <time> --to <time>
                   the raw archive's records that arrived in [from, to)
  failed-records   --bucket <FailedRecordsBucketName> [--prefix <p>] [--archive-bucket <ArchiveBucketName>]
                   the batches the event source mapping gave up on (records from the object, else from the archive)
  quarantine       --quarantine-table <QuarantineTableName> [--reason <r>] [--from <time>] [--to <time>]
                   quarantined items by reason and quarantine time (conflicts and cut payloads are skipped)

Filters (any source): --customer <id>  --meter <customer>/<meter>  --series <customer>/<meter>/<register>
                      --topic <MQTT filter>
Options:
  --stream <name>       the stream (default: KINESIS_STREAM_NAME; the stack output StreamName)
  --dry-run             read and count what would be sent; send nothing
  --resume <id>         go on with an interrupted run (same source and options)
  --state-dir <dir>     where each run's state and trace are kept (default: .replay)
  --archive-prefix <p>  the archive's key prefix (default: ${DEFAULT_ARCHIVE_PREFIX})
  --region <region>     AWS region (default: AWS_REGION); endpoints from AWS_ENDPOINT_URL_S3/_KINESIS/_DYNAMODB
  --json                the summary as JSON
`;

/** What the CLI reads and writes; tests pass their own clients. */
export interface ReplayCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly clients?: { readonly s3?: S3Client; readonly kinesis?: KinesisClient; readonly dynamodb?: DynamoDBClient };
  readonly signal?: AbortSignal;
  /** Progress lines on stderr: a bar redrawn in place on a terminal. @default false */
  readonly tty?: boolean;
}

const OPTIONS = {
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  'archive-bucket': { type: 'string' },
  'archive-prefix': { type: 'string' },
  'quarantine-table': { type: 'string' },
  reason: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  customer: { type: 'string' },
  meter: { type: 'string' },
  series: { type: 'string' },
  topic: { type: 'string' },
  stream: { type: 'string' },
  'dry-run': { type: 'boolean' },
  resume: { type: 'string' },
  'state-dir': { type: 'string' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** Wrong input: one line, exit 2. */
class UsageError extends Error {}

function time(value: string | undefined, name: string, required: boolean): Date | undefined {
  if (value === undefined) {
    if (required) throw new UsageError(`${name} is required for this source (ISO 8601, e.g. 2026-01-01T00:00:00Z)`);
    return undefined;
  }
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) {
    throw new UsageError(`${name} must be an ISO 8601 time such as 2026-01-01T00:00:00Z, got ${JSON.stringify(value)}`);
  }
  return new Date(t);
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`${what} is required for this source`);
  return value;
}

/** One line of progress. */
function progressLine(s: ReplayState): string {
  const skipped = Object.values(s.skipped).reduce((a, b) => a + b, 0);
  const verb = s.dryRun ? 'would send' : 'sent';
  return `replay ${s.id}: ${s.done} read, ${s.sent} ${verb}, ${s.notSelected} not selected, ${skipped} skipped`;
}

function summary(s: ReplayState): string {
  const lines = [
    `${s.dryRun ? 'Dry run: nothing sent. ' : ''}Replay ${s.id} from ${s.source} ${s.finishedAt ? 'finished' : 'stopped'}.`,
    `  read ${s.done} items; ${s.dryRun ? 'would send' : 'sent'} ${s.sent} records; ${s.notSelected} not selected`,
    ...Object.entries(s.skipped).map(([why, n]) => `  skipped ${n}: ${why}`),
    ...Object.entries(s.byCustomer).map(([c, n]) => `  customer ${c}: ${n}`),
    ...(s.firstOf ? [`  first ${s.firstOf}, last ${s.lastOf}`] : []),
    `  started ${s.at}${s.finishedAt ? `, finished ${s.finishedAt}` : ''}${s.resumes ? `, resumed ${s.resumes}x` : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the command; resolves with the exit code. */
export async function main(argv: readonly string[], io: ReplayCliIo): Promise<number> {
  const made: Array<{ destroy(): void }> = [];
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help || positionals.length === 0) {
      io.stdout(USAGE);
      return 0;
    }
    if (positionals.length !== 1 || !(REPLAY_SOURCES as readonly string[]).includes(positionals[0]!)) {
      throw new UsageError(
        `the source must be one of ${REPLAY_SOURCES.join(', ')}, got ${JSON.stringify(positionals.join(' '))}`,
      );
    }
    const source = positionals[0] as ReplaySource;
    const filters: Selection = checkSelection({
      ...(values.customer ? { customer: values.customer } : {}),
      ...(values.meter ? { meter: values.meter } : {}),
      ...(values.series ? { series: values.series } : {}),
      ...(values.topic ? { topic: values.topic } : {}),
    });
    const dryRun = values['dry-run'] === true;
    const streamName = values.stream ?? io.env.KINESIS_STREAM_NAME;
    if (!dryRun && !streamName) throw new UsageError('--stream (or KINESIS_STREAM_NAME) is required unless --dry-run');
    const stateDir = values['state-dir'] ?? '.replay';
    const region = values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
    const s3 = () => io.clients?.s3 ?? track(new S3Client({ ...(region ? { region } : {}) }));
    const track = <C extends { destroy(): void }>(c: C): C => (made.push(c), c);
    const archivePrefix = values['archive-prefix'] ?? DEFAULT_ARCHIVE_PREFIX;

    let items: AsyncIterable<ReplayItem>;
    if (source === 'archive') {
      const from = time(values.from, '--from', true)!;
      const to = time(values.to, '--to', true)!;
      if (to <= from) throw new UsageError(`--to must be after --from, got ${values.from} to ${values.to}`);
      items = archiveItems(
        { client: s3(), bucket: need(values.bucket, '--bucket'), prefix: archivePrefix },
        { from, to },
      );
    } else if (source === 'failed-records') {
      const archiveBucket = values['archive-bucket'];
      items = failedRecordItems(
        { client: s3(), bucket: need(values.bucket, '--bucket'), ...(values.prefix ? { prefix: values.prefix } : {}) },
        archiveBucket ? { client: s3(), bucket: archiveBucket, prefix: archivePrefix } : undefined,
      );
    } else {
      if (values.reason !== undefined) checkReason(values.reason);
      time(values.from, '--from', false);
      time(values.to, '--to', false);
      const dynamodb = io.clients?.dynamodb ?? track(new DynamoDBClient({ ...(region ? { region } : {}) }));
      const quarantine = new QuarantineClient({
        client: dynamodb,
        quarantineTableName: need(values['quarantine-table'] ?? io.env.QUARANTINE_TABLE_NAME, '--quarantine-table'),
      });
      items = quarantineItems(quarantine, {
        ...(values.reason ? { reason: values.reason } : {}),
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
      });
    }
    const selection = Object.fromEntries(
      Object.entries(values).filter(
        ([k, v]) => typeof v === 'string' && !['resume', 'state-dir', 'region'].includes(k),
      ),
    ) as Record<string, string>;
    const resume = values.resume ? loadState(stateDir, values.resume) : undefined;
    if (resume && JSON.stringify(resume.selection) !== JSON.stringify(selection)) {
      throw new UsageError(
        `replay run ${resume.id} was asked for ${JSON.stringify(resume.selection)}: resume it with the same options`,
      );
    }
    let lastProgress = 0;
    const state = await runReplay({
      source,
      items,
      filters,
      selection,
      dryRun,
      stateDir,
      ...(resume ? { resume } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
      ...(dryRun
        ? {}
        : {
            kinesis: {
              client: io.clients?.kinesis ?? track(new KinesisClient({ ...(region ? { region } : {}) })),
              streamName: streamName!,
            },
          }),
      onProgress: (s) => {
        if (io.tty) io.stderr(`\r${progressLine(s)}`);
        else if (Date.now() - lastProgress >= 5_000) {
          lastProgress = Date.now();
          io.stderr(`${progressLine(s)}\n`);
        }
      },
    });
    if (io.tty) io.stderr('\n');
    io.stdout(values.json ? `${JSON.stringify(state)}\n` : summary(state));
    return 0;
  } catch (err) {
    if (err instanceof ReplayInterruptedError) {
      io.stdout(summary(err.state));
      io.stderr(`${err.message}\n`);
      return 3;
    }
    if (
      err instanceof UsageError ||
      err instanceof SelectionError ||
      err instanceof ReplayStateError ||
      err instanceof FailedRecordsFormatError ||
      (err as Error).name === 'InvalidArgumentError'
    ) {
      io.stderr(`replay: ${(err as Error).message}\n`);
      return 2;
    }
    io.stderr(`replay: ${(err as Error).name}: ${(err as Error).message}\n`);
    return 1;
  } finally {
    for (const c of made) c.destroy();
  }
}

if (require.main === module) {
  const controller = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nreplay: stopping after the chunk in hand (Ctrl-C again to quit at once)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  });
  void main(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    signal: controller.signal,
    tty: process.stderr.isTTY === true,
  }).then((code) => {
    process.exitCode = code;
  });
}
