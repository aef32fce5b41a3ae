/**
 * The Kinesis sink: batches stream records into PutRecords calls (up to 500 records and 5 MiB, after a short linger)
 * and retries, for as long as it takes, exactly the entries that failed, with jittered exponential backoff. It never
 * drops a record. Several calls may be in flight at once (`maxCallsInFlight`), so the window of unacknowledged
 * messages, not one call's round trip, bounds throughput; the acknowledgement window still releases PUBACKs in
 * receive order whatever order the calls finish in.
 *
 * Order per partition key (one meter's records on its shard) is kept across calls: a record whose key is in a call
 * still in flight, or waiting to be retried, is held back until that call's records of the key are written, and the
 * failed entries of a call are sent again before any newer record of their key. Two concurrent calls could otherwise
 * be sequenced by Kinesis in either order. Within one call, Kinesis itself may fail an entry and write a later one of
 * the same key ("PutRecords doesn't guarantee the ordering of records",
 * https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html); that is the only reordering, as it
 * was with one call in flight. The ingest function keeps each series in stream order (the first delivered value of a
 * reading wins a conflict), so this order is what decides a conflict; a reading's identity never depends on it.
 *
 * After a failure the sink falls back to one call in flight (the retry first, after backoff) until a call succeeds
 * whole: a throttled stream is not hit harder. Memory: the sink holds only records whose messages are in the
 * bridge's bounded window.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { EncodedStreamRecord } from '../../core';
import { backoffDelay } from './backoff';
import type { BridgeLogger } from './logger';
import { Fifo } from './fifo';

/** Where the bridge puts records; the bridge acknowledges a message only after `onWritten` named it. */
export interface RecordSink<T> {
  /** Queues a record; its token is passed to the `onWritten` callback once the record is durably written. */
  put(record: EncodedStreamRecord, token: T): void;
  /** Records queued or being retried. */
  readonly queued: number;
  /** Resolves once every record queued so far is written, or after `timeoutMillis`; true when all were written. */
  drain(timeoutMillis: number): Promise<boolean>;
  /** Stops the sink; records still queued are abandoned (they were never acknowledged). */
  close(): void;
}

/** Counters of a sink, for metrics and /status. */
export interface SinkStats {
  /** PutRecords calls made. */
  calls: number;
  /** Entries retried after failing inside a call, plus entries of whole calls that failed. */
  retriedEntries: number;
  /** Whole calls that failed (network, 5xx, throttling of the call, access denied...). */
  failedCalls: number;
}

/** Options of {@link KinesisSink}. */
export interface KinesisSinkOptions<T> {
  readonly client: KinesisClient;
  readonly streamName: string;
  /** @default 500 */
  readonly maxBatchRecords?: number;
  /** @default 5 MiB */
  readonly maxBatchBytes?: number;
  /** @default 0 (flush on the next turn of the event loop) */
  readonly lingerMillis?: number;
  /** Most PutRecords calls in flight at once while Kinesis answers without failures. @default 8 */
  readonly maxCallsInFlight?: number;
  /** @default 100 */
  readonly retryMinMillis?: number;
  /** @default 5000 */
  readonly retryMaxMillis?: number;
  readonly logger: BridgeLogger;
  /** Called with the tokens of the records Kinesis accepted, in the order they were put. */
  readonly onWritten: (tokens: T[]) => void;
}

interface Entry<T> {
  readonly record: EncodedStreamRecord;
  readonly bytes: number;
  readonly token: T;
}

const SINK_DEFAULTS = {
  maxBatchRecords: 500,
  maxBatchBytes: 5 * 1024 * 1024,
  lingerMillis: 0,
  maxCallsInFlight: 8,
  retryMinMillis: 100,
  retryMaxMillis: 5_000,
} satisfies Partial<KinesisSinkOptions<unknown>>;

/** A Kinesis client for the bridge: HTTP/1.1 with keep-alive, a request timeout, and no SDK retries (the sink retries). */
export function createKinesisClient(requestTimeoutMillis = 10_000, maxSockets = 8): KinesisClient {
  return new KinesisClient({
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      // one socket per call in flight: a call never waits for another's socket
      httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets }),
      connectionTimeout: Math.min(5_000, requestTimeoutMillis),
      requestTimeout: requestTimeoutMillis,
      // without this, @smithy/node-http-handler 4.x only logs a warning and a black-holed request hangs forever
      throwOnRequestTimeout: true,
    }),
  });
}

/** Writes records to one Kinesis stream with PutRecords. */
export class KinesisSink<T> implements RecordSink<T> {
  readonly stats: SinkStats = { calls: 0, retriedEntries: 0, failedCalls: 0 };
  private readonly options: Required<KinesisSinkOptions<T>>;
  /** Records put and not yet looked at, in put order. */
  private readonly waiting = new Fifo<Entry<T>>();
  private waitingBytes = 0;
  /** Records released from `held` (their key is free again): sent before `waiting`. */
  private readonly ready = new Fifo<Entry<T>>();
  /** Per partition key: records held back while the key is in a call or waiting for a retry, in put order. */
  private readonly held = new Map<string, Entry<T>[]>();
  private heldCount = 0;
  /** Per partition key: its records in calls in flight or in `retry` (sent, not yet written). */
  private readonly keyInCalls = new Map<string, number>();
  private retry: Entry<T>[] = [];
  private callsInFlight = 0;
  private entriesInFlight = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private timerIsImmediate = false;
  private closed = false;
  private drainWaiters: Array<() => void> = [];
  private lastErrorLog = 0;

  constructor(options: KinesisSinkOptions<T>) {
    this.options = { ...SINK_DEFAULTS, ...options };
    if (!Number.isInteger(this.options.maxCallsInFlight) || this.options.maxCallsInFlight < 1) {
      throw new Error(`maxCallsInFlight must be an integer of at least 1, got ${this.options.maxCallsInFlight}`);
    }
  }

  get queued(): number {
    return this.waiting.length + this.ready.length + this.heldCount + this.retry.length + this.entriesInFlight;
  }

  /** PutRecords calls in flight now. */
  get callsPending(): number {
    return this.callsInFlight;
  }

  put(record: EncodedStreamRecord, token: T): void {
    if (this.closed) return;
    const bytes = record.data.byteLength + Buffer.byteLength(record.partitionKey);
    this.waiting.push({ record, bytes, token });
    this.waitingBytes += bytes;
    this.schedule();
  }

  drain(timeoutMillis: number): Promise<boolean> {
    if (this.queued === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drainWaiters = this.drainWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMillis);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.drainWaiters.push(done);
    });
  }

  close(): void {
    this.closed = true;
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    if (this.timerIsImmediate) clearImmediate(this.timer as NodeJS.Immediate);
    else clearTimeout(this.timer as NodeJS.Timeout);
    this.timer = undefined;
  }

  /**
   * Arranges the next call: a retry first (after backoff, alone), else a batch once a call slot is free and the batch
   * is full or has lingered.
   */
  private schedule(): void {
    if (this.closed || this.timer !== undefined) return;
    if (this.retry.length > 0) {
      // the retry goes alone, once the calls already in flight are answered
      if (this.callsInFlight > 0) return;
      const delay = backoffDelay(this.failures, {
        minMillis: this.options.retryMinMillis,
        maxMillis: this.options.retryMaxMillis,
      });
      this.setTimer(delay, () => this.send(this.takeRetryBatch(), true));
      return;
    }
    // after a failure, one call at a time until a call succeeds whole
    const slots = this.failures > 0 ? 1 : this.options.maxCallsInFlight;
    if (this.callsInFlight >= slots) return;
    const count = this.waiting.length + this.ready.length;
    if (count === 0) return;
    const full = count >= this.options.maxBatchRecords || this.waitingBytes >= this.options.maxBatchBytes;
    // linger only while nothing is in flight: with a call out, its answer is the next chance to batch anyway
    const linger = this.callsInFlight > 0 ? 0 : this.options.lingerMillis;
    this.setTimer(full ? 0 : linger, () => this.send(this.takeBatch()));
  }

  private setTimer(delay: number, fn: () => void): void {
    const run = () => {
      this.timer = undefined;
      fn();
    };
    // setImmediate runs after the MQTT packets already read have been handled: they join this batch.
    this.timerIsImmediate = delay <= 0;
    this.timer = delay <= 0 ? setImmediate(run) : setTimeout(run, delay);
  }

  /**
   * The next retry: the oldest failed entries that fit one PutRecords call. Failed entries of several calls together
   * can be more than one call takes (500 records, 5 MiB: https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html),
   * and a call over the limit is refused whole, every time.
   */
  private takeRetryBatch(): Entry<T>[] {
    let count = 0;
    let bytes = 0;
    for (const e of this.retry) {
      if (count >= this.options.maxBatchRecords || (count > 0 && bytes + e.bytes > this.options.maxBatchBytes)) break;
      count += 1;
      bytes += e.bytes;
    }
    return this.retry.splice(0, count);
  }

  /** The next batch: released records first, then waiting ones; records of a key busy in another call are held. */
  private takeBatch(): Entry<T>[] {
    const batch: Entry<T>[] = [];
    const keys = new Set<string>();
    let bytes = 0;
    const fits = (next: Entry<T>) =>
      batch.length < this.options.maxBatchRecords &&
      (batch.length === 0 || bytes + next.bytes <= this.options.maxBatchBytes);
    const consider = (next: Entry<T>) => {
      const key = next.record.partitionKey;
      if (!keys.has(key) && (this.keyInCalls.has(key) || this.held.has(key))) {
        const queue = this.held.get(key);
        if (queue) queue.push(next);
        else this.held.set(key, [next]);
        this.heldCount += 1;
        return;
      }
      keys.add(key);
      batch.push(next);
      bytes += next.bytes;
    };
    for (let next = this.ready.peek(); next && fits(next); next = this.ready.peek()) consider(this.ready.shift()!);
    if (this.ready.length === 0) {
      for (let next = this.waiting.peek(); next && fits(next); next = this.waiting.peek()) {
        this.waiting.shift();
        this.waitingBytes -= next.bytes;
        consider(next);
      }
    }
    return batch;
  }

  private send(batch: Entry<T>[], isRetry = false): void {
    if (batch.length === 0 || this.closed) {
      this.schedule();
      return;
    }
    // a retried entry's key has stayed counted since its first call
    if (!isRetry) {
      for (const e of batch) {
        const key = e.record.partitionKey;
        this.keyInCalls.set(key, (this.keyInCalls.get(key) ?? 0) + 1);
      }
    }
    this.callsInFlight += 1;
    this.entriesInFlight += batch.length;
    this.stats.calls += 1;
    void this.call(batch).then(({ written, failed }) => {
      this.callsInFlight -= 1;
      this.entriesInFlight -= batch.length;
      if (this.closed) return;
      if (failed.length > 0) {
        this.failures += 1;
        this.stats.retriedEntries += failed.length;
        // failed entries keep their keys busy: nothing newer of those keys is sent before them; a retry's failures go
        // back in front of the retries not yet sent, which may hold later records of the same keys
        if (isRetry) this.retry.unshift(...failed);
        else this.retry.push(...failed);
      } else if (this.retry.length === 0) {
        this.failures = 0;
      } else if (isRetry) {
        // a retry that succeeded whole: the next part of the retry waits only the shortest backoff
        this.failures = 1;
      }
      for (const e of written) this.release(e.record.partitionKey);
      if (written.length > 0) this.options.onWritten(written.map((e) => e.token));
      if (this.queued === 0) for (const w of this.drainWaiters.splice(0)) w();
      this.schedule();
    });
    // another slot may be free and more records waiting
    this.schedule();
  }

  /** One record of `key` is written: when it was the key's last in a call, its held records become ready. */
  private release(key: string): void {
    const left = (this.keyInCalls.get(key) ?? 1) - 1;
    if (left > 0) {
      this.keyInCalls.set(key, left);
      return;
    }
    this.keyInCalls.delete(key);
    const queue = this.held.get(key);
    if (!queue) return;
    this.held.delete(key);
    this.heldCount -= queue.length;
    for (const e of queue) this.ready.push(e);
  }

  /** One PutRecords call; never rejects: whatever did not succeed is returned as failed. */
  private async call(batch: Entry<T>[]): Promise<{ written: Entry<T>[]; failed: Entry<T>[] }> {
    try {
      const out = await this.options.client.send(
        new PutRecordsCommand({
          StreamName: this.options.streamName,
          Records: batch.map((e) => ({ Data: e.record.data, PartitionKey: e.record.partitionKey })),
        }),
      );
      const results: PutRecordsResultEntry[] = out.Records ?? [];
      if (results.length !== batch.length) {
        this.stats.failedCalls += 1;
        this.logFailure(`PutRecords answered ${results.length} results for ${batch.length} records; retrying all`);
        return { written: [], failed: batch };
      }
      const written: Entry<T>[] = [];
      const failed: Entry<T>[] = [];
      const codes = new Map<string, number>();
      results.forEach((r, i) => {
        const entry = batch[i] as Entry<T>;
        if (r.ErrorCode || !r.SequenceNumber) {
          failed.push(entry);
          const code = r.ErrorCode ?? 'NoSequenceNumber';
          codes.set(code, (codes.get(code) ?? 0) + 1);
        } else {
          written.push(entry);
        }
      });
      if (failed.length > 0) {
        this.logFailure(
          `PutRecords wrote ${written.length} of ${batch.length} records; retrying the ${failed.length} that failed`,
          {
            errorCodes: Object.fromEntries(codes),
          },
        );
      }
      return { written, failed };
    } catch (err) {
      this.stats.failedCalls += 1;
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      this.logFailure(`PutRecords failed: ${e.name}: ${e.message}; retrying all ${batch.length} records`, {
        errorName: e.name,
        httpStatusCode: e.$metadata?.httpStatusCode,
      });
      return { written: [], failed: batch };
    }
  }

  /** Logs a failure: every one while failures are few, then at most one line in 10 s while they persist. */
  private logFailure(message: string, extra: Record<string, unknown> = {}): void {
    const now = Date.now();
    if (this.failures >= 5 && now - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = now;
    this.options.logger.warn(message, {
      streamName: this.options.streamName,
      consecutiveFailures: this.failures + 1,
      ...extra,
    });
  }
}
