/**
 * What happens to one decoded record: the decision logic of the ingest function.
 *
 * - A rejection from `core/` is quarantined with its reason.
 * - A reading registers its series (once per container) and is written conditionally: `stored`, or, when its
 *   identity exists, a `duplicate` (the same value and interval; counted, nothing written, the facts that differ
 *   named) or a `conflict` (the first reading stays; the conflict is quarantined with both values and both sources).
 * - DynamoDB refusing the reading's data (`ValidationException`) makes it a rejection too (`bad-value`, or
 *   `too-large` for an item over the size limit), so one bad record cannot block its shard.
 * - Anything else DynamoDB throws is an infrastructure failure: it propagates, and the batch reports the record.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { OtherFact, Reading, ReadingFacts, RejectionReason, ReplayMarker } from '../../core';
import type { IngestConfig } from './config';
import type { DecodedReading, DecodedRecord } from './decode-record';
import { isValidationError, refusalReason } from './dynamodb-errors';
import { putQuarantine, type QuarantineEntry, type QuarantineOutcome } from './quarantine-store';
import { putReading, type ReadingSource } from './reading-store';
import type { SeriesRegistry } from './series-registry';

/** What processing a record needs. */
export interface RecordContext {
  readonly client: DynamoDBClient;
  readonly config: IngestConfig;
  readonly registry: SeriesRegistry;
  readonly clock: () => Date;
  readonly logger: Logger;
}

/** What became of one record. */
export type RecordOutcome =
  | { readonly kind: 'stored'; readonly reading: Reading; readonly receivedAt: string; readonly ingestedAt: Date }
  | { readonly kind: 'duplicate'; readonly otherFacts: readonly OtherFact[] }
  | { readonly kind: 'conflict'; readonly quarantine: QuarantineOutcome }
  | { readonly kind: 'rejected'; readonly reason: RejectionReason; readonly quarantine: QuarantineOutcome };

/** Bytes of a payload that a log line may show. */
export const LOGGED_PAYLOAD_PREFIX_BYTES = 64;

/** Stores, skips or quarantines one record. Throws only on an infrastructure failure. */
export async function processRecord(ctx: RecordContext, decoded: DecodedRecord): Promise<RecordOutcome> {
  const key = quarantineIdentity(decoded);
  if (decoded.kind === 'rejected') {
    return quarantineRejection(ctx, {
      reason: decoded.reason,
      message: decoded.message,
      topic: decoded.topic,
      payload: decoded.payload,
      payloadSize: decoded.payloadSize,
      receivedAt: decoded.receivedAt,
      ...key,
    });
  }
  const { reading, record } = decoded;
  const now = ctx.clock();
  const source: ReadingSource = {
    topic: decoded.topic,
    shardId: record.shardId,
    sequenceNumber: record.sequenceNumber,
    receivedAt: decoded.receivedAt,
    ...(decoded.replay ? { replay: decoded.replay } : {}),
  };
  let outcome;
  try {
    await ctx.registry.ensure(reading, now);
    outcome = await putReading(ctx.client, ctx.config.readingsTableName, reading, source, now);
  } catch (err) {
    if (!isValidationError(err)) throw err;
    return quarantineRejection(ctx, {
      reason: refusalReason(err),
      message: `DynamoDB refused the reading ${reading.seriesKey} @ ${reading.readingTime}: ${err.message}`,
      topic: decoded.topic,
      payload: decoded.payload,
      receivedAt: decoded.receivedAt,
      ...key,
    });
  }
  switch (outcome.kind) {
    case 'stored':
      return { kind: 'stored', reading, receivedAt: decoded.receivedAt, ingestedAt: now };
    case 'duplicate':
      if (outcome.otherFacts.length > 0) {
        // not a warning: a re-send with a new system time, or register 2 as both versions, is the provider's normal
        ctx.logger.debug('duplicate with other facts', {
          seriesKey: reading.seriesKey,
          readingTime: reading.readingTime,
          otherFacts: outcome.otherFacts,
          shardId: record.shardId,
          sequenceNumber: record.sequenceNumber,
        });
      }
      return { kind: 'duplicate', otherFacts: outcome.otherFacts };
    case 'conflict':
      return quarantineConflict(ctx, decoded, source, outcome.stored, outcome.storedSource);
  }
}

async function quarantineRejection(
  ctx: RecordContext,
  entry: QuarantineEntry & { readonly reason: RejectionReason },
): Promise<RecordOutcome> {
  const quarantine = await putQuarantine(ctx.client, ctx.config.quarantineTableName, entry, options(ctx));
  ctx.logger.warn('record quarantined', {
    reason: entry.reason,
    detail: entry.message,
    topic: entry.topic.slice(0, 300),
    shardId: entry.shardId,
    sequenceNumber: entry.sequenceNumber,
    payloadSize: entry.payloadSize ?? entry.payload.byteLength,
    payloadPrefix: payloadPrefix(entry.payload),
    alreadyQuarantined: quarantine.kind === 'exists',
  });
  return { kind: 'rejected', reason: entry.reason, quarantine };
}

async function quarantineConflict(
  ctx: RecordContext,
  decoded: DecodedReading,
  source: ReadingSource,
  stored: ReadingFacts,
  storedSource: ReadingSource,
): Promise<RecordOutcome> {
  const { reading } = decoded;
  const message = `${reading.seriesKey} @ ${reading.readingTime} is stored with ${describeFacts(stored)}; this delivery carries ${describeFacts(reading)}; the stored reading is kept`;
  const entry: QuarantineEntry = {
    reason: 'conflict',
    message,
    topic: decoded.topic,
    payload: decoded.payload,
    receivedAt: decoded.receivedAt,
    ...quarantineIdentity(decoded),
    conflict: {
      seriesKey: reading.seriesKey,
      readingTime: reading.readingTime,
      storedValue: stored.value,
      storedSource,
      conflictingValue: reading.value,
      conflictingSource: source,
    },
  };
  const quarantine = await putQuarantine(ctx.client, ctx.config.quarantineTableName, entry, options(ctx));
  ctx.logger.warn('conflicting reading quarantined', {
    reason: 'conflict',
    detail: message,
    seriesKey: reading.seriesKey,
    readingTime: reading.readingTime,
    storedValue: stored.value,
    conflictingValue: reading.value,
    storedSequenceNumber: storedSource.sequenceNumber,
    shardId: source.shardId,
    sequenceNumber: source.sequenceNumber,
    alreadyQuarantined: quarantine.kind === 'exists',
  });
  return { kind: 'conflict', quarantine };
}

/**
 * The Kinesis record a quarantine item is keyed by: the record itself, or for a replayed record the original it
 * replays (`core/replay.ts`), so a replay that is rejected again lands on the item it came from and adds nothing.
 */
function quarantineIdentity(decoded: DecodedRecord): {
  shardId: string;
  sequenceNumber: string;
  replay?: ReplayMarker;
} {
  const of = decoded.replay?.of;
  const slash = of?.lastIndexOf('/') ?? -1;
  if (!decoded.replay || slash <= 0 || slash === of!.length - 1) {
    return { shardId: decoded.record.shardId, sequenceNumber: decoded.record.sequenceNumber };
  }
  return { shardId: of!.slice(0, slash), sequenceNumber: of!.slice(slash + 1), replay: decoded.replay };
}

function options(ctx: RecordContext) {
  return { now: ctx.clock(), retentionDays: ctx.config.quarantineRetentionDays };
}

function describeFacts(f: ReadingFacts): string {
  const parts = [`value ${f.value}`];
  if (f.intervalStart !== undefined) parts.push(`interval start ${f.intervalStart}`);
  if (f.systemTime !== undefined) parts.push(`system time ${f.systemTime}`);
  return parts.join(', ');
}

const lossyUtf8 = new TextDecoder('utf-8', { fatal: false });

function payloadPrefix(payload: Uint8Array): string {
  const prefix = lossyUtf8.decode(payload.subarray(0, LOGGED_PAYLOAD_PREFIX_BYTES));
  return payload.byteLength > LOGGED_PAYLOAD_PREFIX_BYTES ? `${prefix}…` : prefix;
}
