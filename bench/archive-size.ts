/**
 * The raw archive's bytes per record, measured on the benchmark's feed: the bench messages, enveloped as the bridge
 * does (`encodeStreamRecord`), archived as the archiver does (`archiveObjectBody`: NDJSON lines, gzip), for objects of
 * a given number of records. Deterministic (the feed is), so the cost page can compute it whenever it is written.
 */
import { encodeArchiveLine, encodeStreamRecord, type ArchivedRecord } from '../core';
import { archiveObjectBody } from '../functions/archive/handler';
import { benchMessage } from './support/messages';

/** A Lambda Kinesis event record's bytes beyond its base64 data: field names, event id, ARNs, as Lambda sends them. */
export const EVENT_RECORD_OVERHEAD_BYTES = 420;

/** Measured sizes of an archive object of `records` bench records. */
export interface ArchiveSize {
  readonly records: number;
  /** Mean Kinesis record (envelope) bytes. */
  readonly recordBytes: number;
  /** Gzip bytes of the object per record. */
  readonly archivedBytesPerRecord: number;
  /** Uncompressed NDJSON bytes per record. */
  readonly lineBytesPerRecord: number;
  /** Bytes one record adds to a Lambda event. */
  readonly eventBytesPerRecord: number;
}

/** Archives `records` bench messages from a fleet of 1,000 meters as one object and measures it. */
export function measureArchiveSize(records: number): ArchiveSize {
  const archived: ArchivedRecord[] = [];
  let recordBytes = 0;
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < records; i++) {
    const m = benchMessage(i);
    const encoded = encodeStreamRecord({ topic: m.topic, payload: m.payload, receivedAt: new Date(start + i * 900) });
    recordBytes += encoded.data.byteLength;
    archived.push({
      shardId: 'shardId-000000000000',
      sequenceNumber: (49_600_000_000_000_000_000_000_000_000_000_000_000_000_000n + BigInt(i)).toString(),
      partitionKey: encoded.partitionKey,
      arrivedAt: new Date(start + i * 900 + 20).toISOString(),
      data: encoded.data,
    });
  }
  const body = archiveObjectBody(archived);
  const lines = archived.reduce((n, r) => n + Buffer.byteLength(encodeArchiveLine(r)), 0);
  return {
    records,
    recordBytes: recordBytes / records,
    archivedBytesPerRecord: body.byteLength / records,
    lineBytesPerRecord: lines / records,
    eventBytesPerRecord: Math.ceil((recordBytes / records) * (4 / 3)) + EVENT_RECORD_OVERHEAD_BYTES,
  };
}
