/**
 * The Kinesis sink: batches stream records into PutRecords calls (up to 500 records and 5 MiB, after a short linger)
 * and retries, for as long as it takes, exactly the entries that failed, with jittered exponential backoff. It never
 * drops a record. One call is in flight at a time and the failed entries of a call are sent again, alone, before any
 * newer record: so one meter's records reach its shard in the order they were received.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { KinesisClient, PutRecordsCommand, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { EncodedStreamRecord } from '../../core';
import { backoffDelay } from './backoff';
import type { BridgeLogger } from './logger';

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
  retryMinMillis: 100,
  retryMaxMillis: 5_000,
} satisfies Partial<KinesisSinkOptions<unknown>>;

/** A Kinesis client for the bridge: HTTP/1.1 with keep-alive, a request timeout, and no SDK retries (the sink retries). */
export function createKinesisClient(requestTimeoutMillis = 10_000): KinesisClient {
  return new KinesisClient({
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 8 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 8 }),
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
  private readonly waiting: Entry<T>[] = [];
  private waitingHead = 0;
  private waitingBytes = 0;
  private retry: Entry<T>[] = [];
  private inFlight = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private timerIsImmediate = false;
  private closed = false;
  private drainWaiters: Array<() => void> = [];
  private lastErrorLog = 0;

  constructor(options: KinesisSinkOptions<T>) {
    this.options = { ...SINK_DEFAULTS, ...options };
  }

  get queued(): number {
    return this.waiting.length - this.waitingHead + this.retry.length + this.inFlight;
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

  /** Arranges the next call: retries first (after backoff), else a batch once it is full or has lingered. */
  private schedule(): void {
    if (this.closed || this.inFlight > 0 || this.timer !== undefined) return;
    if (this.retry.length > 0) {
      const delay = backoffDelay(this.failures, {
        minMillis: this.options.retryMinMillis,
        maxMillis: this.options.retryMaxMillis,
      });
      this.setTimer(delay, () => this.send(this.retry.splice(0)));
      return;
    }
    const count = this.waiting.length - this.waitingHead;
    if (count === 0) return;
    const full = count >= this.options.maxBatchRecords || this.waitingBytes >= this.options.maxBatchBytes;
    this.setTimer(full ? 0 : this.options.lingerMillis, () => this.send(this.takeBatch()));
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

  private takeBatch(): Entry<T>[] {
    const batch: Entry<T>[] = [];
    let bytes = 0;
    while (this.waitingHead < this.waiting.length && batch.length < this.options.maxBatchRecords) {
      const next = this.waiting[this.waitingHead] as Entry<T>;
      if (batch.length > 0 && bytes + next.bytes > this.options.maxBatchBytes) break;
      batch.push(next);
      bytes += next.bytes;
      this.waitingHead += 1;
      this.waitingBytes -= next.bytes;
    }
    if (this.waitingHead > 4096 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    return batch;
  }

  private send(batch: Entry<T>[]): void {
    if (batch.length === 0 || this.closed) {
      this.schedule();
      return;
    }
    this.inFlight = batch.length;
    this.stats.calls += 1;
    void this.call(batch).then(({ written, failed }) => {
      this.inFlight = 0;
      if (this.closed) return;
      if (failed.length > 0) {
        this.failures += 1;
        this.stats.retriedEntries += failed.length;
        this.retry = failed;
      } else {
        this.failures = 0;
      }
      if (written.length > 0) this.options.onWritten(written.map((e) => e.token));
      if (this.queued === 0) for (const w of this.drainWaiters.splice(0)) w();
      this.schedule();
    });
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
