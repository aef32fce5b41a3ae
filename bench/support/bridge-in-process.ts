/**
 * The real bridge (`bridge/src/bridge.ts`), constructed in this process through its documented dependencies: its own
 * configuration loader fed a benchmark environment, a silent logger, and either its own Kinesis sink or a sink the
 * benchmark injects (`BridgeDeps.sink`). Used for the drain-rate figures; the memory figure runs it as a process.
 */
import type { KinesisClient, PutRecordsCommandInput, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { EncodedStreamRecord } from '../../core';
import { Bridge } from '../../bridge/src/bridge';
import { loadConfig } from '../../bridge/src/config';
import { staticCredentials } from '../../bridge/src/credentials';
import { createKinesisClient, KinesisSink, type RecordSink } from '../../bridge/src/kinesis-sink';
import { silentLogger } from '../../bridge/src/logger';
import { customerOf, filterFor } from './messages';

/** Where the bridge's records go. */
export type SinkChoice =
  /** Its own Kinesis sink and client (the production path), to `streamName` at `AWS_ENDPOINT_URL_KINESIS`. */
  | {
      readonly kind: 'kinesis';
      readonly streamName: string;
      readonly onBatch?: (records: number) => void;
      /** Milliseconds each PutRecords call took. */
      readonly onCallMillis?: (millis: number) => void;
    }
  /** An in-memory sink that accepts every record on the next turn of the event loop: the bridge's own cost. */
  | { readonly kind: 'instant' }
  /** Its own Kinesis sink on a stand-in client that accepts each PutRecords call after `latencyMillis`. */
  | {
      readonly kind: 'delayed';
      readonly latencyMillis: number;
      readonly onBatch?: (records: number) => void;
      /** Milliseconds each stand-in call really took (a timer fires late on a busy machine). */
      readonly onCallMillis?: (millis: number) => void;
    };

/** The environment the bridge is configured with: its documented variables only. */
export function bridgeEnv(url: string, clientId: string, streamName: string, extra: Record<string, string> = {}) {
  return {
    MQTT_URL: url,
    MQTT_CLIENT_ID: clientId,
    MQTT_TOPICS: filterFor(customerOf(clientId)),
    KINESIS_STREAM_NAME: streamName,
    HEALTH_PORT: '0',
    LOG_LEVEL: 'ERROR',
    METRICS_INTERVAL_MILLIS: '3600000',
    ...extra,
  };
}

/** A sink that accepts everything at once: tokens go back in one batch on the next turn of the event loop. */
export class InstantSink<T> implements RecordSink<T> {
  private tokens: T[] = [];
  private scheduled = false;
  constructor(private readonly onWritten: (tokens: T[]) => void) {}
  get queued(): number {
    return this.tokens.length;
  }
  put(_record: EncodedStreamRecord, token: T): void {
    this.tokens.push(token);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.tokens;
      this.tokens = [];
      this.onWritten(batch);
    });
  }
  async drain(): Promise<boolean> {
    while (this.tokens.length > 0) await new Promise((r) => setImmediate(r));
    return true;
  }
  close(): void {}
}

/** A stand-in Kinesis client that accepts every PutRecords call whole, after `latencyMillis`. */
export function delayedKinesisClient(
  latencyMillis: number,
  onBatch?: (records: number) => void,
  onCallMillis?: (millis: number) => void,
): KinesisClient {
  let sequence = 0;
  const send = async (command: { input: PutRecordsCommandInput }): Promise<Partial<PutRecordsCommandOutput>> => {
    const records = command.input.Records ?? [];
    onBatch?.(records.length);
    const t = performance.now();
    await new Promise((r) => setTimeout(r, latencyMillis));
    onCallMillis?.(performance.now() - t);
    return {
      FailedRecordCount: 0,
      Records: records.map(() => ({ SequenceNumber: String(++sequence), ShardId: 'shardId-000000000000' })),
    };
  };
  return { send } as unknown as KinesisClient;
}

/** Wraps a Kinesis client so every PutRecords call's record count is reported. */
export function countingKinesisClient(
  client: KinesisClient,
  onBatch: (records: number) => void,
  onCallMillis: (millis: number) => void = () => {},
): KinesisClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      onBatch((args.input as PutRecordsCommandInput).Records?.length ?? 0);
      const t = performance.now();
      try {
        return await next(args);
      } finally {
        onCallMillis(performance.now() - t);
      }
    },
    { step: 'initialize', name: 'benchCountPutRecords' },
  );
  return client;
}

/** The outcome of a drain. */
export interface DrainResult {
  /** Milliseconds from start to the last PUBACK. */
  readonly millis: number;
  /** Milliseconds from the first message received (sampled every 2 ms) to the last PUBACK. */
  readonly fromFirstMessage: number;
  readonly received: number;
  readonly acked: number;
  /** The most messages the bridge held unacknowledged at once (sampled every 2 ms). */
  readonly maxPending: number;
}

/**
 * Starts the bridge on the session of `clientId` and resolves once it has acknowledged `count` messages (PUBACK
 * sent: the bridge's own counter), then stops it.
 */
export async function drainWithBridge(
  url: string,
  clientId: string,
  count: number,
  sink: SinkChoice,
  timeoutMillis: number,
  extraEnv: Record<string, string> = {},
): Promise<DrainResult> {
  const config = loadConfig(bridgeEnv(url, clientId, sink.kind === 'kinesis' ? sink.streamName : 'unused', extraEnv));
  const deps = {
    logger: silentLogger,
    credentials: staticCredentials(undefined),
    writeMetrics: () => {},
  };
  const bridge =
    sink.kind === 'kinesis'
      ? new Bridge(config, {
          ...deps,
          kinesisClient: sink.onBatch
            ? countingKinesisClient(
                createKinesisClient(config.kinesis.requestTimeoutMillis, config.kinesis.maxCallsInFlight),
                sink.onBatch,
                sink.onCallMillis,
              )
            : createKinesisClient(config.kinesis.requestTimeoutMillis, config.kinesis.maxCallsInFlight),
        })
      : sink.kind === 'instant'
        ? new Bridge(config, { ...deps, sink: (onWritten) => new InstantSink(onWritten) })
        : new Bridge(config, {
            ...deps,
            sink: (onWritten) =>
              new KinesisSink({
                client: delayedKinesisClient(sink.latencyMillis, sink.onBatch, sink.onCallMillis),
                streamName: 'delayed',
                maxBatchRecords: config.kinesis.maxBatchRecords,
                maxBatchBytes: config.kinesis.maxBatchBytes,
                lingerMillis: config.kinesis.lingerMillis,
                maxCallsInFlight: config.kinesis.maxCallsInFlight,
                retryMinMillis: config.kinesis.retryMinMillis,
                retryMaxMillis: config.kinesis.retryMaxMillis,
                logger: silentLogger,
                onWritten,
              }),
          });
  const start = performance.now();
  await bridge.start();
  let maxPending = 0;
  let first = 0;
  try {
    const millis = await new Promise<number>((resolve, reject) => {
      const deadline = start + timeoutMillis;
      const poll = setInterval(() => {
        const s = bridge.status();
        if (first === 0 && s.received > 0) first = performance.now();
        maxPending = Math.max(maxPending, s.pending);
        if (s.acked >= count) {
          clearInterval(poll);
          resolve(performance.now() - start);
        } else if (performance.now() > deadline) {
          clearInterval(poll);
          reject(new Error(`bridge (${sink.kind} sink) acknowledged ${s.acked} of ${count} in ${timeoutMillis} ms`));
        }
      }, 2);
    });
    const s = bridge.status();
    return { millis, fromFirstMessage: millis - (first - start), received: s.received, acked: s.acked, maxPending };
  } finally {
    await bridge.stop('benchmark done');
  }
}

/**
 * Reference B: the bridge's own Kinesis sink alone, no MQTT: the same envelopes in the same batch sizes (each batch
 * put once the previous one is written, as the bridge's sink has one call in flight). Resolves with the milliseconds.
 */
export async function writeWithSinkAlone(
  streamName: string,
  records: readonly EncodedStreamRecord[],
  batchSizes: readonly number[],
  onCallMillis: (millis: number) => void = () => {},
): Promise<number> {
  let written = 0;
  let wake: (() => void) | undefined;
  const sink = new KinesisSink<number>({
    client: countingKinesisClient(createKinesisClient(), () => {}, onCallMillis),
    streamName,
    logger: silentLogger,
    onWritten: (tokens) => {
      written += tokens.length;
      wake?.();
    },
  });
  const start = performance.now();
  let offset = 0;
  try {
    for (const size of batchSizes) {
      const target = Math.min(records.length, offset + size);
      for (; offset < target; offset++) sink.put(records[offset] as EncodedStreamRecord, offset);
      while (written < target) await new Promise<void>((r) => (wake = r));
    }
    return performance.now() - start;
  } finally {
    sink.close();
  }
}
