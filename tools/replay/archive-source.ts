/** The archive as a replay source: every archived record of a time range, in stream order per shard. */
import { readArchive, type ArchiveLocation } from './archive-reader';
import { itemFromData, type ReplayItem } from './replay-item';

/** The archived records that arrived in `[from, to)`. */
export async function* archiveItems(
  where: ArchiveLocation,
  range: { readonly from: Date; readonly to: Date },
): AsyncGenerator<ReplayItem, void, undefined> {
  for await (const { record } of readArchive(where, range)) {
    yield itemFromData(`${record.shardId}/${record.sequenceNumber}`, record.partitionKey, record.data);
  }
}
