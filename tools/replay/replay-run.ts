/**
 * A replay run: reads a source item by item (never the whole selection in memory), puts each selected record back
 * into the stream with the run's marker and its original partition key, and saves its state after every chunk the
 * stream accepted, so that an interrupted run resumes where it stopped. Putting a record twice (a chunk re-sent after
 * an interruption, a second replay of the same selection) stores nothing new: the ingest function's writes are
 * conditional and judge a delivery by the reading. The records go through the bridge's own sink (batches within
 * PutRecords' limits, retries of failed entries, one partition key in one call at a time).
 */
import { randomBytes } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { ReplaySource } from '../../core';
import { KinesisSink } from '../../bridge/src/kinesis-sink';
import { silentLogger } from '../../bridge/src/logger';
import { markedRecord, type ReplayItem } from './replay-item';
import { saveState, ReplayStateError, type ReplayState } from './replay-state';
import { isSelected, type Selection } from './selection';

/** Options of {@link runReplay}. */
export interface ReplayRunOptions {
  readonly source: ReplaySource;
  /** The source's items, in its order. */
  readonly items: AsyncIterable<ReplayItem>;
  readonly filters: Selection;
  /** What was asked for, kept in the trace. */
  readonly selection: Readonly<Record<string, string>>;
  /** Where to put the records; not needed for a dry run. */
  readonly kinesis?: { readonly client: KinesisClient; readonly streamName: string };
  readonly dryRun: boolean;
  /** Where state files are kept. */
  readonly stateDir: string;
  /** The state of an interrupted run to resume. @default - a new run */
  readonly resume?: ReplayState;
  /** Items per chunk: the state is saved after each. @default 500 */
  readonly chunkSize?: number;
  /** How long a chunk may take to be accepted before the run stops (resumable). @default 300000 */
  readonly chunkTimeoutMillis?: number;
  /** Stops the run after the chunk in hand (resumable). */
  readonly signal?: AbortSignal;
  /** Called after every chunk. */
  readonly onProgress?: (state: ReplayState) => void;
  readonly now?: () => Date;
}

/** The run stopped before the end of the selection; its state says where, `--resume <id>` goes on. */
export class ReplayInterruptedError extends Error {
  constructor(
    readonly state: ReplayState,
    why: string,
  ) {
    super(
      `replay ${state.id} stopped after ${state.done} items (${state.sent} records sent): ${why}; run it again with --resume ${state.id}`,
    );
    this.name = 'ReplayInterruptedError';
  }
}

/** A new run id: `replay-<UTC time>-<random>`, a valid marker id. */
export function newRunId(now: Date): string {
  return `replay-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}-${randomBytes(3).toString('hex')}`;
}

/** Runs (or resumes) a replay; resolves with its final state, the trace. */
export async function runReplay(o: ReplayRunOptions): Promise<ReplayState> {
  const now = o.now ?? (() => new Date());
  const chunkSize = o.chunkSize ?? 500;
  const started = now();
  const state: ReplayState = o.resume
    ? { ...o.resume, resumes: o.resume.resumes + 1 }
    : {
        id: newRunId(started),
        at: started.toISOString(),
        source: o.source,
        selection: o.selection,
        dryRun: o.dryRun,
        done: 0,
        sent: 0,
        notSelected: 0,
        skipped: {},
        byCustomer: {},
        updatedAt: started.toISOString(),
        resumes: 0,
      };
  if (o.resume && (o.resume.source !== o.source || o.resume.dryRun !== o.dryRun)) {
    throw new ReplayStateError(
      `replay run ${o.resume.id} read ${o.resume.source}${o.resume.dryRun ? ' (dry run)' : ''}: resume it with the same source and options`,
    );
  }
  if (!o.dryRun && !o.kinesis) throw new Error('a replay that is not a dry run needs a stream');
  const run = { id: state.id, at: state.at, source: o.source };
  const sink =
    o.dryRun || !o.kinesis
      ? undefined
      : new KinesisSink<number>({
          client: o.kinesis.client,
          streamName: o.kinesis.streamName,
          logger: silentLogger,
          maxCallsInFlight: 4,
          // drain() resolves once every record put is written: the chunk's commit waits on that
          onWritten: () => {},
        });
  const skipTo = o.resume?.done ?? 0;
  let index = 0;
  let chunk = { items: 0, sent: 0, lastOf: undefined as string | undefined };
  const pending: Record<string, number> = {};
  const pendingSkipped: Record<string, number> = {};
  let pendingNotSelected = 0;

  const commit = async (): Promise<void> => {
    if (chunk.items === 0) return;
    if (sink && chunk.sent > 0) {
      const accepted = await sink.drain(o.chunkTimeoutMillis ?? 300_000);
      if (!accepted) {
        sink.close();
        throw new ReplayInterruptedError(state, `Kinesis did not accept a chunk of ${chunk.sent} records in time`);
      }
    }
    state.done += chunk.items;
    state.lastOf = chunk.lastOf;
    state.sent += chunk.sent;
    state.notSelected += pendingNotSelected;
    for (const [k, n] of Object.entries(pending)) state.byCustomer[k] = (state.byCustomer[k] ?? 0) + n;
    for (const [k, n] of Object.entries(pendingSkipped)) state.skipped[k] = (state.skipped[k] ?? 0) + n;
    for (const k of Object.keys(pending)) delete pending[k];
    for (const k of Object.keys(pendingSkipped)) delete pendingSkipped[k];
    pendingNotSelected = 0;
    state.updatedAt = now().toISOString();
    saveState(o.stateDir, state);
    o.onProgress?.(state);
    chunk = { items: 0, sent: 0, lastOf: undefined };
  };

  try {
    for await (const item of o.items) {
      index += 1;
      if (index <= skipTo) {
        if (index === skipTo && item.of !== o.resume?.lastOf) {
          throw new ReplayStateError(
            `replay run ${state.id} stopped at ${o.resume?.lastOf}, but item ${skipTo} of the source is now ${item.of}: the selection changed; start a new run (replaying twice stores nothing twice)`,
          );
        }
        continue;
      }
      chunk.items += 1;
      chunk.lastOf = item.of;
      if (item.skip) {
        pendingSkipped[item.skip] = (pendingSkipped[item.skip] ?? 0) + 1;
      } else if (!isSelected(o.filters, item)) {
        pendingNotSelected += 1;
      } else {
        const record = markedRecord(item, run);
        sink?.put(record, index);
        state.firstOf ??= item.of;
        chunk.sent += 1;
        const customer = item.partitionKey.split('/')[0] ?? '-';
        pending[customer] = (pending[customer] ?? 0) + 1;
      }
      if (chunk.items >= chunkSize) {
        await commit();
        if (o.signal?.aborted) throw new ReplayInterruptedError(state, 'interrupted');
      }
    }
    if (index < skipTo) {
      throw new ReplayStateError(
        `replay run ${state.id} had dealt with ${skipTo} items, but the source now has ${index}: the selection changed; start a new run`,
      );
    }
    await commit();
    state.finishedAt = now().toISOString();
    saveState(o.stateDir, state);
    return state;
  } finally {
    sink?.close();
  }
}
