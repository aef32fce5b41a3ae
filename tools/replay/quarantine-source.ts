/**
 * The quarantine as a replay source: the items of a reason (or every reason) quarantined in a time range. An item
 * keeps the topic, the payload and the original record's shard and sequence number, which is what a replay needs to
 * rebuild the envelope; a `conflict` (a second value for a stored reading: reviewed, not replayed) and an item whose
 * payload was cut (only a prefix kept) cannot be replayed and are counted as skipped.
 */
import { isQuarantineReason, partitionKeyFor } from '../../core';
import type { QuarantineClient } from '../../readings-client';
import type { ReplayItem } from './replay-item';

/** The quarantine items of `reason` (every reason when undefined) quarantined in `[from, to)`. */
export async function* quarantineItems(
  quarantine: QuarantineClient,
  options: { readonly reason?: string; readonly from?: string; readonly to?: string },
): AsyncGenerator<ReplayItem, void, undefined> {
  for await (const q of quarantine.list(options)) {
    const of = `${q.shardId}/${q.sequenceNumber}`;
    const partitionKey = partitionKeyFor(q.topic);
    const reason = isQuarantineReason(q.reason) ? q.reason : undefined;
    const base = { of, partitionKey, ...(reason ? { reason } : {}) };
    if (q.reason === 'conflict') {
      yield { ...base, record: undefined, skip: 'conflict: the stored reading is kept; reviewed, not replayed' };
    } else if (q.payloadTruncated) {
      yield {
        ...base,
        record: undefined,
        skip: 'payload was cut at quarantine: only a prefix is kept (the raw archive has it)',
      };
    } else {
      yield {
        ...base,
        record: {
          topic: q.topic,
          receivedAt: q.receivedAt,
          payload: q.payload,
          size: q.payloadSize,
          truncated: false,
          dup: false,
        },
      };
    }
  }
}
