/**
 * The failed-records bucket as a replay source: the objects the event source mapping wrote when it gave up on a
 * batch (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html). Each is a JSON invocation
 * record whose `KinesisBatchInfo` names the shard and the first and last sequence numbers; for an S3 destination it
 * also carries the invocation's `payload` (the event, with each record's data). Records are taken from the payload
 * when it is there, else from the raw archive (which holds every record with its shard and sequence number), so a
 * batch info without a payload is still replayable.
 */
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { compareSequenceNumbers } from '../../core';
import { readArchive, type ArchiveLocation } from './archive-reader';
import { itemFromData, type ReplayItem } from './replay-item';

/** Where the failed-records objects are. */
export interface FailedRecordsLocation {
  readonly client: S3Client;
  readonly bucket: string;
  /** @default '' (the whole bucket) */
  readonly prefix?: string;
}

/** An object that is not an on-failure record this tool can read, named by its key. */
export class FailedRecordsFormatError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`failed-records object ${key}: ${message}`);
    this.name = 'FailedRecordsFormatError';
  }
}

/** The batch an on-failure record names. */
export interface FailedBatch {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly firstArrival?: string;
  readonly lastArrival?: string;
  /** The records, when the object carries them. */
  readonly records?: ReadonlyArray<{
    readonly sequenceNumber: string;
    readonly partitionKey: string;
    readonly data: Uint8Array;
  }>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads one on-failure record (Lambda's, with `KinesisBatchInfo`, or the local poller's flat form). */
export function parseFailedBatch(key: string, text: string): FailedBatch {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new FailedRecordsFormatError(key, 'is not JSON');
  }
  if (doc === null || typeof doc !== 'object') throw new FailedRecordsFormatError(key, 'is not a JSON object');
  const o = doc as Record<string, unknown>;
  const info = (o.KinesisBatchInfo ?? o) as Record<string, unknown>;
  const shardId = str(info.shardId);
  const startSequenceNumber = str(info.startSequenceNumber);
  const endSequenceNumber = str(info.endSequenceNumber);
  if (!shardId || !startSequenceNumber || !endSequenceNumber) {
    throw new FailedRecordsFormatError(
      key,
      'has no KinesisBatchInfo with shardId, startSequenceNumber and endSequenceNumber',
    );
  }
  let payload = o.payload;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload);
    } catch {
      throw new FailedRecordsFormatError(key, 'has a payload that is not JSON');
    }
  }
  const list = (payload as { Records?: unknown } | undefined)?.Records;
  let records: FailedBatch['records'];
  if (Array.isArray(list)) {
    records = list.map((r, i) => {
      const k = (r as { kinesis?: Record<string, unknown> }).kinesis ?? {};
      const seq = str(k.sequenceNumber);
      const pk = str(k.partitionKey);
      if (!seq || !pk || typeof k.data !== 'string') {
        throw new FailedRecordsFormatError(
          key,
          `payload record ${i} has no kinesis.sequenceNumber, partitionKey and data`,
        );
      }
      return { sequenceNumber: seq, partitionKey: pk, data: Buffer.from(k.data, 'base64') };
    });
  }
  return {
    shardId,
    startSequenceNumber,
    endSequenceNumber,
    ...(str(info.approximateArrivalOfFirstRecord) ? { firstArrival: str(info.approximateArrivalOfFirstRecord) } : {}),
    ...(str(info.approximateArrivalOfLastRecord) ? { lastArrival: str(info.approximateArrivalOfLastRecord) } : {}),
    ...(records ? { records } : {}),
  };
}

const HOUR = 3_600_000;

/** Every record of every on-failure object, object by object (in key order), each batch in sequence order. */
export async function* failedRecordItems(
  where: FailedRecordsLocation,
  archive?: ArchiveLocation,
): AsyncGenerator<ReplayItem, void, undefined> {
  for await (const page of paginateListObjectsV2(
    { client: where.client },
    { Bucket: where.bucket, Prefix: where.prefix ?? '' },
  )) {
    for (const object of page.Contents ?? []) {
      const key = object.Key!;
      const out = await where.client.send(new GetObjectCommand({ Bucket: where.bucket, Key: key }));
      const batch = parseFailedBatch(key, (await out.Body?.transformToString('utf8')) ?? '');
      if (batch.records) {
        for (const r of batch.records)
          yield itemFromData(`${batch.shardId}/${r.sequenceNumber}`, r.partitionKey, r.data);
        continue;
      }
      if (!archive) {
        throw new FailedRecordsFormatError(
          key,
          "holds the batch's sequence numbers but not its records: give --archive-bucket to read them from the raw archive",
        );
      }
      if (!batch.firstArrival || !batch.lastArrival) {
        throw new FailedRecordsFormatError(
          key,
          'has no approximateArrivalOfFirstRecord/LastRecord to find the batch in the archive',
        );
      }
      // the archive is partitioned by arrival hour; an hour either side covers clock rounding
      const range = {
        from: new Date(Date.parse(batch.firstArrival) - HOUR),
        to: new Date(Date.parse(batch.lastArrival) + HOUR),
      };
      for await (const { record } of readArchive(archive, range)) {
        if (record.shardId !== batch.shardId) continue;
        if (compareSequenceNumbers(record.sequenceNumber, batch.startSequenceNumber) < 0) continue;
        if (compareSequenceNumbers(record.sequenceNumber, batch.endSequenceNumber) > 0) continue;
        yield itemFromData(`${record.shardId}/${record.sequenceNumber}`, record.partitionKey, record.data);
      }
    }
  }
}
