/**
 * The raw archive's layout in S3: a contract between the archiver (`functions/archive/`), the replay tool (`tools/`)
 * and anyone who queries the archive (Athena, docs/query.md).
 *
 * - Objects are gzip-compressed NDJSON, one object per (shard, hour of arrival) of an archiver batch, at
 *   `<prefix>yyyy/mm/dd/hh/<shardId>-<first sequence number>.ndjson.gz` (UTC, from the first record's Kinesis
 *   arrival time). The key depends only on the batch's first record of that hour, so a retried batch overwrites the
 *   object it wrote before instead of adding one; every line of an object arrived in the object's hour, so a time
 *   range reads whole hour prefixes and filters the lines at the edges.
 * - One line per stream record: `{"v":1,"shardId":…,"sequenceNumber":…,"partitionKey":…,"arrivedAt":…,"data":…}`,
 *   `data` being the Kinesis record's bytes exactly (the stream envelope of `stream-record.ts`, or whatever bytes a
 *   producer wrote), base64-encoded: base64 because a record that is not UTF-8 JSON (a `bad-envelope`) must be kept
 *   byte for byte too. Athena reads it with `from_utf8(from_base64(data))`.
 *
 * {@link encodeArchiveLine} and {@link decodeArchiveLine} are exact inverses; a line that does not decode is a
 * typed failure naming what is wrong, never an exception.
 */

/** The archive line format written by this code. */
export const ARCHIVE_LINE_VERSION = 1;

/** Where the archiver writes in its bucket, unless configured otherwise. */
export const DEFAULT_ARCHIVE_PREFIX = 'raw/';

/** The file name ending of every archive object. */
export const ARCHIVE_OBJECT_SUFFIX = '.ndjson.gz';

/** One stream record as the archive keeps it. */
export interface ArchivedRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** The partition key the producer chose (the bridge: `<customer-id>/<meter-id>`). */
  readonly partitionKey: string;
  /** When Kinesis accepted the record: ISO 8601 UTC with milliseconds. */
  readonly arrivedAt: string;
  /** The record's data, exactly. */
  readonly data: Uint8Array;
}

/** A line that could not be read, and why. */
export interface ArchiveLineError {
  readonly ok: false;
  readonly message: string;
}

/** What {@link decodeArchiveLine} returns. */
export type ArchiveLineResult = { readonly ok: true; readonly value: ArchivedRecord } | ArchiveLineError;

/** The archive line of a record, with its newline. */
export function encodeArchiveLine(record: ArchivedRecord): string {
  const data = Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('base64');
  return `${JSON.stringify({
    v: ARCHIVE_LINE_VERSION,
    shardId: record.shardId,
    sequenceNumber: record.sequenceNumber,
    partitionKey: record.partitionKey,
    arrivedAt: record.arrivedAt,
    data,
  })}\n`;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Reads one archive line (with or without its newline). Never throws. */
export function decodeArchiveLine(line: string): ArchiveLineResult {
  const bad = (what: string): ArchiveLineError => ({ ok: false, message: `archive line ${what}` });
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return bad('is not JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return bad('is not a JSON object');
  const o = doc as Record<string, unknown>;
  if (o.v !== ARCHIVE_LINE_VERSION) return bad(`has version ${JSON.stringify(o.v)}, this code reads 1`);
  for (const field of ['shardId', 'sequenceNumber', 'partitionKey'] as const) {
    if (typeof o[field] !== 'string' || o[field] === '') return bad(`has no string "${field}"`);
  }
  if (typeof o.arrivedAt !== 'string' || !ISO_MILLIS.test(o.arrivedAt) || Number.isNaN(Date.parse(o.arrivedAt))) {
    return bad(`has a bad "arrivedAt": ${JSON.stringify(o.arrivedAt)}`);
  }
  if (typeof o.data !== 'string' || !BASE64.test(o.data)) return bad('has no base64 "data"');
  return {
    ok: true,
    value: {
      shardId: o.shardId as string,
      sequenceNumber: o.sequenceNumber as string,
      partitionKey: o.partitionKey as string,
      arrivedAt: o.arrivedAt,
      data: new Uint8Array(Buffer.from(o.data, 'base64')),
    },
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The hour prefix `<prefix>yyyy/mm/dd/hh/` of an instant (UTC). */
export function archiveHourPrefix(prefix: string, at: Date): string {
  return `${prefix}${pad(at.getUTCFullYear(), 4)}/${pad(at.getUTCMonth() + 1)}/${pad(at.getUTCDate())}/${pad(at.getUTCHours())}/`;
}

/** The key of the object that holds a batch's records of one shard and hour, named by the first of them. */
export function archiveObjectKey(
  prefix: string,
  first: Pick<ArchivedRecord, 'arrivedAt' | 'shardId' | 'sequenceNumber'>,
) {
  return `${archiveHourPrefix(prefix, new Date(first.arrivedAt))}${first.shardId}-${first.sequenceNumber}${ARCHIVE_OBJECT_SUFFIX}`;
}

/** Every hour prefix from the hour of `from` to the hour of `to` (inclusive), oldest first. */
export function archiveHourPrefixes(prefix: string, from: Date, to: Date): string[] {
  const hour = 3_600_000;
  const out: string[] = [];
  for (let t = Math.floor(from.getTime() / hour) * hour; t <= to.getTime(); t += hour) {
    out.push(archiveHourPrefix(prefix, new Date(t)));
  }
  return out;
}

/** One archive object to write: its key and its records, in stream order. */
export interface ArchiveObjectPlan {
  readonly key: string;
  readonly records: readonly ArchivedRecord[];
}

/** Splits a batch into its archive objects: one per shard and hour of arrival, records in batch order. */
export function planArchiveObjects(prefix: string, records: readonly ArchivedRecord[]): ArchiveObjectPlan[] {
  const groups = new Map<string, ArchivedRecord[]>();
  for (const r of records) {
    const id = `${r.shardId}\n${archiveHourPrefix('', new Date(r.arrivedAt))}`;
    const group = groups.get(id);
    if (group) group.push(r);
    else groups.set(id, [r]);
  }
  return [...groups.values()].map((group) => ({ key: archiveObjectKey(prefix, group[0]!), records: group }));
}

/**
 * Orders sequence numbers of one shard: they are decimal strings that grow along the shard, of any length, so
 * compared as numbers (by length, then text).
 */
export function compareSequenceNumbers(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}
