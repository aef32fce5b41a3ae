/**
 * Decoding a quarantined record again, purely, with the decoder of today (injectable, so a replay can use one that
 * has learnt a new payload version). Follows the ingest function's order: the envelope (only for `bad-envelope`
 * items, whose payload is the whole Kinesis record), its `truncated` flag, then the topic, then the payload.
 */
import {
  accept,
  decodePayload as coreDecodePayload,
  decodeStreamRecord,
  parseTopic,
  reject,
  seriesKey,
  type DecodedPayload,
  type Reading,
  type Result,
} from '../core';
import type { QuarantinedItem } from './quarantine-item';

/** A payload decoder: `core`'s `decodePayload`, or one that knows more. */
export type PayloadDecoder = (bytes: Uint8Array) => Result<DecodedPayload>;

/** A quarantined record that decodes now. */
export interface Redecoded {
  readonly reading: Reading;
  readonly topic: string;
  /** The bridge's receive time. */
  readonly receivedAt: string;
}

/** Decodes a quarantined record again, or returns the rejection it meets today. Never throws. */
export function redecode(item: QuarantinedItem, decodePayload: PayloadDecoder = coreDecodePayload): Result<Redecoded> {
  if (item.payloadTruncated) {
    return reject('too-large', `only ${item.payload.byteLength} of the payload's ${item.payloadSize} bytes were kept`);
  }
  let topic = item.topic;
  let payload = item.payload;
  let receivedAt = item.receivedAt;
  if (item.reason === 'bad-envelope') {
    const envelope = decodeStreamRecord(item.payload);
    if (!envelope.ok) return envelope;
    if (envelope.value.truncated) {
      return reject('too-large', `payload is ${envelope.value.size} bytes, too large for the stream`);
    }
    ({ topic, payload, receivedAt } = envelope.value);
  }
  const parts = parseTopic(topic);
  if (!parts.ok) return parts;
  let decoded: Result<DecodedPayload>;
  try {
    decoded = decodePayload(payload);
  } catch (err) {
    // an injected decoder may throw; that is a rejection of this record, not a failure of the replay
    decoded = reject('not-json', `payload could not be decoded: ${(err as Error)?.message ?? String(err)}`);
  }
  if (!decoded.ok) return decoded;
  const p = parts.value;
  const d = decoded.value;
  return accept({
    reading: { ...p, ...d, seriesKey: seriesKey(p.customerId, p.meterId, d.registerId) },
    topic,
    receivedAt,
  });
}
