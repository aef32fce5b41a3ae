/**
 * One record a replay puts back into the stream, whichever source it came from, and how it is marked: its envelope
 * gets the run's {@link ReplayMarker} (`core/replay.ts`), so the ingest function stores the trace on the reading and
 * quarantines a record rejected again under its original key; its partition key stays the original one, so the
 * records of one meter reach the same shard in their original order.
 */
import {
  decodeStreamRecord,
  encodeStreamRecord,
  type EncodedStreamRecord,
  type QuarantineReason,
  type ReplayMarker,
  type StreamRecord,
} from '../../core';

/** A record found in a source. */
export interface ReplayItem {
  /** The original record: `<shardId>/<sequenceNumber>`. */
  readonly of: string;
  /** The partition key it had. */
  readonly partitionKey: string;
  /** The original stream record (the bridge's envelope), or undefined when the source's bytes are not one. */
  readonly record: StreamRecord | undefined;
  /** The quarantine reason it was replayed from (quarantine source only). */
  readonly reason?: QuarantineReason;
  /** Why it cannot be replayed, when it cannot (counted in the summary, never sent). */
  readonly skip?: string;
}

/** Builds an item from a record's raw data; data that is no envelope is an item to skip, with the reason. */
export function itemFromData(of: string, partitionKey: string, data: Uint8Array): ReplayItem {
  const decoded = decodeStreamRecord(data);
  if (!decoded.ok)
    return { of, partitionKey, record: undefined, skip: 'not an envelope (quarantined as bad-envelope)' };
  return { of, partitionKey, record: decoded.value };
}

/** The stream record to put for an item: its envelope with the run's marker, its original partition key. */
export function markedRecord(
  item: ReplayItem,
  run: { readonly id: string; readonly at: string; readonly source: ReplayMarker['source'] },
): EncodedStreamRecord {
  if (!item.record) throw new Error(`${item.of} has no envelope to replay`);
  const marker: ReplayMarker = {
    id: run.id,
    at: run.at,
    source: run.source,
    // a record replayed twice keeps pointing at the first original
    of: item.record.replay?.of ?? item.of,
    ...(item.reason ? { reason: item.reason } : {}),
  };
  const encoded = encodeStreamRecord({ ...item.record, replay: marker });
  return { data: encoded.data, partitionKey: item.partitionKey };
}
