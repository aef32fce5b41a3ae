/**
 * A stream poller that behaves like the Lambda event source mapping for Kinesis, where it matters: it discovers the
 * stream's shards (ListShards, again every few seconds, children after their parents), reads each shard in order
 * (GetRecords with a batch size and a batching window), hands the real handler a Lambda-shaped KinesisStreamEvent,
 * checkpoints only after success, restarts from the first failed record on `batchItemFailures` (a whole failure
 * when the handler throws or names a record not in the batch), retries with backoff a bounded number of times and
 * then writes an on-failure record (kept in memory and, if asked, appended to a JSON-lines file) and moves on.
 *
 * One batch per shard at a time; shards run concurrently. Checkpoints are kept in memory (and can be passed in).
 */
import { appendFileSync } from 'node:fs';
import {
  DescribeStreamSummaryCommand,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ListShardsCommand,
  type ListShardsCommandOutput,
  type KinesisClient,
  type _Record as KinesisRecord,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/** The function the poller invokes, shaped like a Lambda handler for Kinesis with `ReportBatchItemFailures`. */
export type StreamHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

/** Settings of the poller, named after the event source mapping's. */
export interface StreamPollerOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly handler: StreamHandler;
  /** Most records per invocation (BatchSize). @default 100 */
  readonly batchSize?: number;
  /** How long to gather records before invoking with fewer than a full batch (MaximumBatchingWindowInSeconds). @default 0 */
  readonly batchingWindowMillis?: number;
  /** Pause between reads of a shard that had nothing new. @default 200 */
  readonly idlePollMillis?: number;
  /** Retries of a failing batch before its on-failure record (MaximumRetryAttempts); `Infinity` never gives up. @default 10 */
  readonly maxRetryAttempts?: number;
  /** First retry delay; doubles each retry. @default 100 */
  readonly retryBaseMillis?: number;
  /** Longest retry delay. @default 5000 */
  readonly retryMaxMillis?: number;
  /** How often the shard list is read again. @default 5000 */
  readonly shardDiscoveryMillis?: number;
  /** Where a shard without a checkpoint starts. @default 'TRIM_HORIZON' */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Checkpoints to resume from: shard id -> last processed sequence number. @default - none */
  readonly checkpoints?: Readonly<Record<string, string>>;
  /** A file to append on-failure records to, one JSON line each. @default - in memory only */
  readonly onFailureFile?: string;
  /** Called on read errors and failed batches, for logging. @default - nothing */
  readonly onEvent?: (event: PollerEvent) => void;
}

/** The defaults of {@link StreamPollerOptions}. */
export const STREAM_POLLER_DEFAULTS = {
  batchSize: 100,
  batchingWindowMillis: 0,
  idlePollMillis: 200,
  maxRetryAttempts: 10,
  retryBaseMillis: 100,
  retryMaxMillis: 5000,
  shardDiscoveryMillis: 5000,
  startingPosition: 'TRIM_HORIZON',
} satisfies Partial<StreamPollerOptions>;

/** Something worth logging. */
export type PollerEvent =
  | { readonly kind: 'read-error'; readonly shardId: string; readonly error: Error }
  | {
      readonly kind: 'batch-failed';
      readonly shardId: string;
      readonly attempt: number;
      readonly failedAt: number;
      readonly batchSize: number;
      readonly error?: Error;
    }
  | { readonly kind: 'on-failure'; readonly record: OnFailureRecord };

/** What the poller records when it gives up on a batch, like the mapping's on-failure destination. */
export interface OnFailureRecord {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly batchSize: number;
  readonly attempts: number;
  readonly error: string;
  readonly at: string;
}

/** One shard's progress. */
export interface ShardProgress {
  readonly shardId: string;
  /** Last sequence number processed; undefined before the first batch. */
  readonly checkpoint?: string;
  /** MillisBehindLatest of the last read. */
  readonly millisBehindLatest: number;
  /** Closed and fully processed. */
  readonly finished: boolean;
}

/** Counters since start. */
export interface StreamPollerStats {
  /** Handler invocations (retries included). */
  readonly invocations: number;
  /** Records processed and checkpointed: each record of the stream counts once. */
  readonly recordsProcessed: number;
  /** Records given up on (in on-failure records). */
  readonly recordsSkipped: number;
  /** Invocations that threw. */
  readonly functionErrors: number;
  /** Invocations that returned `batchItemFailures`. */
  readonly partialFailures: number;
  /** Batches retried. */
  readonly retries: number;
  readonly onFailure: readonly OnFailureRecord[];
  readonly shards: readonly ShardProgress[];
  /** Largest MillisBehindLatest over the shards. */
  readonly millisBehindLatest: number;
}

/** A running poller. */
export interface StreamPoller {
  stats(): StreamPollerStats;
  /** Shard id -> last processed sequence number. */
  checkpoints(): Record<string, string>;
  /** Resolves once every shard has been read to its end (no record left) since this call; false on timeout. */
  waitUntilCaughtUp(timeoutMillis: number): Promise<boolean>;
  /**
   * Stops: with `drain`, first waits (within `timeoutMillis`) until every shard is caught up; then lets the batch in
   * hand finish (retries stop) and resolves when no read or invocation is left.
   */
  stop(options?: { readonly drain?: boolean; readonly timeoutMillis?: number }): Promise<void>;
}

interface ShardState {
  readonly shardId: string;
  readonly parents: readonly string[];
  checkpoint?: string;
  millisBehindLatest: number;
  finished: boolean;
  /** When the last read found nothing left to read. */
  caughtUpAt: number;
  /** True while a batch is in hand. */
  busy: boolean;
}

/** Starts polling the stream. Resolves once the shard list was read and every shard's worker started. */
export async function startStreamPoller(options: StreamPollerOptions): Promise<StreamPoller> {
  const o = { ...STREAM_POLLER_DEFAULTS, ...options };
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1 || o.batchSize > 10_000) {
    throw new RangeError(`batchSize must be an integer from 1 to 10000, got ${o.batchSize}`);
  }
  if (!(o.maxRetryAttempts >= 0)) throw new RangeError(`maxRetryAttempts must be >= 0, got ${o.maxRetryAttempts}`);
  const { client } = o;
  const summary = await client.send(new DescribeStreamSummaryCommand({ StreamName: o.streamName }));
  const streamArn =
    summary.StreamDescriptionSummary?.StreamARN ?? `arn:aws:kinesis:local:000000000000:stream/${o.streamName}`;
  const region = await client.config.region();

  const shards = new Map<string, ShardState>();
  const workers = new Set<Promise<void>>();
  const onFailure: OnFailureRecord[] = [];
  const counters = {
    invocations: 0,
    recordsProcessed: 0,
    recordsSkipped: 0,
    functionErrors: 0,
    partialFailures: 0,
    retries: 0,
  };
  let stopping = false;
  let wakeAll: () => void = () => undefined;
  let stopSignal = new Promise<void>((resolve) => (wakeAll = resolve));
  const sleep = (ms: number) =>
    Promise.race([new Promise<void>((resolve) => setTimeout(resolve, ms).unref()), stopSignal]);

  const iteratorFor = async (state: ShardState): Promise<string | undefined> => {
    const out = await client.send(
      new GetShardIteratorCommand({
        StreamName: o.streamName,
        ShardId: state.shardId,
        ...(state.checkpoint
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: state.checkpoint }
          : { ShardIteratorType: o.startingPosition }),
      }),
    );
    return out.ShardIterator;
  };

  const toEventRecord = (shardId: string, r: KinesisRecord): KinesisStreamRecord => ({
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.PartitionKey ?? '',
      sequenceNumber: r.SequenceNumber ?? '',
      data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${r.SequenceNumber ?? ''}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/local-ingest',
    awsRegion: region,
    eventSourceARN: streamArn,
  });

  // Invokes the handler until the batch is done or given up; returns false when stopped with records unprocessed.
  const deliver = async (state: ShardState, batch: readonly KinesisRecord[]): Promise<boolean> => {
    let pending = batch;
    let attempt = 0;
    while (pending.length > 0) {
      counters.invocations++;
      let failedAt = -1;
      let error: Error | undefined;
      try {
        const response = await o.handler({ Records: pending.map((r) => toEventRecord(state.shardId, r)) });
        const failures = response?.batchItemFailures ?? [];
        if (failures.length > 0) {
          counters.partialFailures++;
          const positions = failures.map((f) =>
            f.itemIdentifier ? pending.findIndex((r) => r.SequenceNumber === f.itemIdentifier) : -1,
          );
          // Like the mapping: an identifier that is empty or not in the batch fails the whole batch.
          failedAt = positions.some((p) => p < 0) ? 0 : Math.min(...positions);
          error = new Error(`handler reported ${failures.length} batch item failure(s)`);
        }
      } catch (err) {
        counters.functionErrors++;
        failedAt = 0;
        error = err instanceof Error ? err : new Error(String(err));
      }
      const done = failedAt < 0 ? pending.length : failedAt;
      if (done > 0) {
        state.checkpoint = pending[done - 1]?.SequenceNumber;
        counters.recordsProcessed += done;
        pending = pending.slice(done);
        attempt = 0;
      }
      if (pending.length === 0) return true;
      attempt++;
      o.onEvent?.({
        kind: 'batch-failed',
        shardId: state.shardId,
        attempt,
        failedAt,
        batchSize: pending.length + done,
        ...(error ? { error } : {}),
      });
      if (attempt > o.maxRetryAttempts) {
        const record: OnFailureRecord = {
          shardId: state.shardId,
          startSequenceNumber: pending[0]?.SequenceNumber ?? '',
          endSequenceNumber: pending[pending.length - 1]?.SequenceNumber ?? '',
          batchSize: pending.length,
          attempts: attempt,
          error: error?.message ?? 'unknown',
          at: new Date().toISOString(),
        };
        onFailure.push(record);
        if (o.onFailureFile) appendFileSync(o.onFailureFile, `${JSON.stringify(record)}\n`);
        o.onEvent?.({ kind: 'on-failure', record });
        state.checkpoint = record.endSequenceNumber;
        counters.recordsSkipped += pending.length;
        return true;
      }
      if (stopping) return false;
      counters.retries++;
      await sleep(Math.min(o.retryMaxMillis, o.retryBaseMillis * 2 ** (attempt - 1)));
      if (stopping) return false;
    }
    return true;
  };

  const runShard = async (state: ShardState): Promise<void> => {
    // A child shard starts once its parents are processed to their end, so each key stays in order.
    while (!stopping && state.parents.some((p) => shards.has(p) && !shards.get(p)!.finished))
      await sleep(o.idlePollMillis);
    let iterator: string | undefined;
    let readFailures = 0;
    while (!stopping) {
      try {
        iterator ??= await iteratorFor(state);
        if (iterator === undefined) {
          state.finished = true;
          return;
        }
        const batch: KinesisRecord[] = [];
        let closed = false;
        let deadline: number | undefined;
        for (;;) {
          const out: GetRecordsCommandOutput = await client.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: o.batchSize - batch.length }),
          );
          const records = out.Records ?? [];
          batch.push(...records);
          state.millisBehindLatest = out.MillisBehindLatest ?? 0;
          iterator = out.NextShardIterator;
          if (!iterator) {
            closed = true;
            break;
          }
          if (records.length === 0 && state.millisBehindLatest === 0 && batch.length === 0)
            state.caughtUpAt = Date.now();
          if (batch.length >= o.batchSize || batch.length === 0 || o.batchingWindowMillis <= 0 || stopping) break;
          deadline ??= Date.now() + o.batchingWindowMillis;
          const left = deadline - Date.now();
          if (left <= 0) break;
          if (records.length === 0) await sleep(Math.min(o.idlePollMillis, left));
        }
        readFailures = 0;
        if (batch.length > 0) {
          state.busy = true;
          try {
            if (!(await deliver(state, batch))) return;
          } finally {
            state.busy = false;
          }
          // Nothing more was read after this batch; the next read says whether the shard is caught up.
        }
        if (closed) {
          state.finished = true;
          state.caughtUpAt = Date.now();
          return;
        }
        if (batch.length === 0) await sleep(o.idlePollMillis);
      } catch (err) {
        // Records read but not delivered are read again from the checkpoint.
        iterator = undefined;
        if (stopping) return;
        readFailures++;
        if (!(err instanceof ExpiredIteratorException)) {
          o.onEvent?.({ kind: 'read-error', shardId: state.shardId, error: err as Error });
          await sleep(Math.min(o.retryMaxMillis, o.retryBaseMillis * 2 ** Math.min(readFailures, 10)));
        }
      }
    }
  };

  const discover = async (): Promise<void> => {
    const found: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const out: ListShardsCommandOutput = await client.send(
        new ListShardsCommand(nextToken ? { NextToken: nextToken } : { StreamName: o.streamName }),
      );
      found.push(...(out.Shards ?? []));
      nextToken = out.NextToken;
    } while (nextToken);
    for (const shard of found) {
      const shardId = shard.ShardId;
      if (!shardId || shards.has(shardId)) continue;
      const checkpoint = o.checkpoints?.[shardId];
      const state: ShardState = {
        shardId,
        parents: [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => !!p),
        ...(checkpoint ? { checkpoint } : {}),
        millisBehindLatest: 0,
        finished: false,
        caughtUpAt: 0,
        busy: false,
      };
      shards.set(shardId, state);
      const worker = runShard(state).catch((err: unknown) => {
        o.onEvent?.({ kind: 'read-error', shardId, error: err as Error });
      });
      workers.add(worker);
      void worker.finally(() => workers.delete(worker));
    }
  };

  await discover();
  const discovery = (async () => {
    while (!stopping) {
      await sleep(o.shardDiscoveryMillis);
      if (stopping) return;
      try {
        await discover();
      } catch (err) {
        o.onEvent?.({ kind: 'read-error', shardId: '-', error: err as Error });
      }
    }
  })();

  const caughtUpSince = (since: number) =>
    [...shards.values()].every((s) => s.finished || (!s.busy && s.caughtUpAt >= since));

  const waitUntilCaughtUp = async (timeoutMillis: number): Promise<boolean> => {
    const since = Date.now();
    const deadline = since + timeoutMillis;
    while (!caughtUpSince(since)) {
      if (Date.now() >= deadline || stopping) return caughtUpSince(since);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return true;
  };

  let stopped: Promise<void> | undefined;
  return {
    stats: () => {
      const list = [...shards.values()];
      return {
        ...counters,
        onFailure: [...onFailure],
        shards: list.map((s) => ({
          shardId: s.shardId,
          ...(s.checkpoint ? { checkpoint: s.checkpoint } : {}),
          millisBehindLatest: s.millisBehindLatest,
          finished: s.finished,
        })),
        millisBehindLatest: Math.max(0, ...list.map((s) => s.millisBehindLatest)),
      };
    },
    checkpoints: () =>
      Object.fromEntries([...shards.values()].filter((s) => s.checkpoint).map((s) => [s.shardId, s.checkpoint!])),
    waitUntilCaughtUp,
    stop: (stopOptions = {}) =>
      (stopped ??= (async () => {
        const timeoutMillis = stopOptions.timeoutMillis ?? 30_000;
        const deadline = Date.now() + timeoutMillis;
        if (stopOptions.drain) await waitUntilCaughtUp(timeoutMillis);
        stopping = true;
        wakeAll();
        stopSignal = Promise.resolve();
        const all = Promise.all([discovery, ...workers]).then(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise((resolve) => (timer = setTimeout(resolve, Math.max(1000, deadline - Date.now()))));
        await Promise.race([all, timeout]);
        clearTimeout(timer);
      })()),
  };
}
