/**
 * Reading the raw archive (layout: `core/raw-archive.ts`): its objects hour by hour, oldest first, and within an hour
 * by shard then first sequence number, so each shard's records come in stream order; each object is read and
 * decompressed on its own (a few MB at most), so a reader never holds more than one object's records.
 */
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import {
  ARCHIVE_OBJECT_SUFFIX,
  DEFAULT_ARCHIVE_PREFIX,
  archiveHourPrefixes,
  compareSequenceNumbers,
  decodeArchiveLine,
  type ArchivedRecord,
} from '../../core';

/** Where the archive is. */
export interface ArchiveLocation {
  readonly client: S3Client;
  readonly bucket: string;
  /** @default 'raw/' */
  readonly prefix?: string;
}

/** One archive object's key and size. */
export interface ArchiveObject {
  readonly key: string;
  readonly size: number;
}

/** An archive line that does not decode: kept in the report, never dropped silently. */
export class ArchiveFormatError extends Error {
  constructor(
    message: string,
    readonly key: string,
    readonly line: number,
  ) {
    super(`${key} line ${line}: ${message}`);
    this.name = 'ArchiveFormatError';
  }
}

// `<shardId>-<sequence number>.ndjson.gz`: the shard id itself holds hyphens, the sequence number none
function objectOrder(key: string): [string, string] {
  const name = key.slice(key.lastIndexOf('/') + 1, key.length - ARCHIVE_OBJECT_SUFFIX.length);
  const dash = name.lastIndexOf('-');
  return [name.slice(0, dash), name.slice(dash + 1)];
}

function compareObjects(a: ArchiveObject, b: ArchiveObject): number {
  const [sa, qa] = objectOrder(a.key);
  const [sb, qb] = objectOrder(b.key);
  return sa < sb ? -1 : sa > sb ? 1 : compareSequenceNumbers(qa, qb);
}

async function listPrefix(where: ArchiveLocation, prefix: string): Promise<ArchiveObject[]> {
  const out: ArchiveObject[] = [];
  let token: string | undefined;
  do {
    const page = await where.client.send(
      new ListObjectsV2Command({
        Bucket: where.bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key?.endsWith(ARCHIVE_OBJECT_SUFFIX)) out.push({ key: o.Key, size: o.Size ?? 0 });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/**
 * The archive's objects whose hour overlaps `[from, to]`, oldest hour first, in stream order within an hour; with no
 * range, every object under the prefix (one listing of the whole prefix, sorted the same way).
 */
export async function* listArchiveObjects(
  where: ArchiveLocation,
  range?: { readonly from: Date; readonly to: Date },
): AsyncGenerator<ArchiveObject, void, undefined> {
  const prefix = where.prefix ?? DEFAULT_ARCHIVE_PREFIX;
  if (!range) {
    const all = await listPrefix(where, prefix);
    const hourOf = (k: string) => k.slice(0, k.lastIndexOf('/'));
    all.sort((a, b) => (hourOf(a.key) < hourOf(b.key) ? -1 : hourOf(a.key) > hourOf(b.key) ? 1 : compareObjects(a, b)));
    yield* all;
    return;
  }
  for (const hour of archiveHourPrefixes(prefix, range.from, range.to)) {
    const objects = await listPrefix(where, hour);
    objects.sort(compareObjects);
    yield* objects;
  }
}

/** The records of one archive object, in stream order. Throws {@link ArchiveFormatError} on a line that is not one. */
export async function readArchiveObject(where: ArchiveLocation, key: string): Promise<ArchivedRecord[]> {
  const out = await where.client.send(new GetObjectCommand({ Bucket: where.bucket, Key: key }));
  if (!out.Body) throw new ArchiveFormatError('has no body', key, 0);
  const bytes = await out.Body.transformToByteArray();
  const text = gunzipSync(bytes).toString('utf8');
  const records: ArchivedRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line === '') return;
    const decoded = decodeArchiveLine(line);
    if (!decoded.ok) throw new ArchiveFormatError(decoded.message, key, i + 1);
    records.push(decoded.value);
  });
  return records;
}

/** Every archived record that arrived in `[from, to)` (or all of them), object by object, with its object's key. */
export async function* readArchive(
  where: ArchiveLocation,
  range?: { readonly from: Date; readonly to: Date },
): AsyncGenerator<{ readonly key: string; readonly record: ArchivedRecord }, void, undefined> {
  for await (const object of listArchiveObjects(where, range)) {
    for (const record of await readArchiveObject(where, object.key)) {
      const t = Date.parse(record.arrivedAt);
      if (range && (t < range.from.getTime() || t >= range.to.getTime())) continue;
      yield { key: object.key, record };
    }
  }
}
