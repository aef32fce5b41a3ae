/**
 * The record the bridge writes to Kinesis and the functions read: a versioned JSON envelope around one MQTT message.
 *
 * ```json
 * {"v":1,"topic":"meters/outbound/c/s/m","receivedAt":"2026-01-01T00:00:00.000Z","size":123,"payload":"<base64>"}
 * ```
 * - `payload` holds the message's raw bytes untouched, base64-encoded.
 * - A payload over {@link MAX_PAYLOAD_BYTES} is written all the same, with `"truncated":true`, its first
 *   {@link TRUNCATED_PREFIX_BYTES} bytes and its real `size`, so the consumer quarantines it as `too-large` rather than
 *   the bridge dropping it or stalling. The bound also keeps every quarantine item under DynamoDB's 400 KB item limit
 *   and every record far under Kinesis's 1 MiB.
 * - `dup` is the MQTT DUP flag of the delivery (true on a broker's redelivery), kept for diagnosis.
 * - `replay` is set only on a record that `npm run replay` put back into the stream (see `replay.ts`): which run,
 *   when, from where, the original record, and for a quarantine replay the reason it had.
 *
 * The partition key is `<customer-id>/<meter-id>` so one meter's readings stay in order on one shard and have one
 * writer. A topic that does not parse still gets a key (the topic itself, cut to 256 characters).
 *
 * {@link encodeStreamRecord} and {@link decodeStreamRecord} are exact inverses; decoding malformed bytes is a
 * `bad-envelope` rejection, never an exception.
 */
import { MAX_PAYLOAD_BYTES } from './payload';
import { accept, quote, reject, type Result } from './rejection';
import { parseReplayMarker, type ReplayMarker } from './replay';
import { parseTopic } from './topic';

export { MAX_PAYLOAD_BYTES };

/** The envelope version written by this code. */
export const STREAM_RECORD_VERSION = 1;

/** How many bytes of an oversized payload are kept, for diagnosis. */
export const TRUNCATED_PREFIX_BYTES = 4096;

/** Kinesis's limit on one record: data plus partition key. */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;

/** Kinesis's limit on a partition key, in Unicode characters. */
export const KINESIS_MAX_PARTITION_KEY_CHARS = 256;

/** One MQTT message as it travels on the stream. */
export interface StreamRecord {
  readonly topic: string;
  /** When the bridge received the message: ISO 8601 UTC with milliseconds. */
  readonly receivedAt: string;
  /** The payload bytes: all of them, or the first {@link TRUNCATED_PREFIX_BYTES} when `truncated`. */
  readonly payload: Uint8Array;
  /** The size of the original payload, in bytes. */
  readonly size: number;
  /** True when the payload was over {@link MAX_PAYLOAD_BYTES} and only a prefix is kept. */
  readonly truncated: boolean;
  /** The MQTT DUP flag of the delivery. */
  readonly dup: boolean;
  /** Set on a record put back into the stream by a replay. */
  readonly replay?: ReplayMarker;
}

/** A message as the bridge received it. */
export interface ReceivedMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly receivedAt: Date | string;
  readonly dup?: boolean;
}

/** What the bridge puts into Kinesis for one message. */
export interface EncodedStreamRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
}

/** The Kinesis partition key for a topic: `<customer-id>/<meter-id>`, or the cut topic when it does not parse. */
export function partitionKeyFor(topic: string): string {
  const parts = parseTopic(topic);
  const key = parts.ok ? `${parts.value.customerId}/${parts.value.meterId}` : topic || '-';
  const chars = Array.from(key);
  return chars.length > KINESIS_MAX_PARTITION_KEY_CHARS
    ? chars.slice(0, KINESIS_MAX_PARTITION_KEY_CHARS).join('')
    : key;
}

/** Builds the stream record of a received message, truncating an oversized payload. */
export function toStreamRecord(message: ReceivedMessage): StreamRecord {
  const size = message.payload.byteLength;
  const truncated = size > MAX_PAYLOAD_BYTES;
  const receivedAt = typeof message.receivedAt === 'string' ? message.receivedAt : message.receivedAt.toISOString();
  return {
    topic: message.topic,
    receivedAt,
    payload: truncated ? message.payload.subarray(0, TRUNCATED_PREFIX_BYTES) : message.payload,
    size,
    truncated,
    dup: message.dup === true,
  };
}

/** Encodes a message as Kinesis data and partition key. */
export function encodeStreamRecord(message: ReceivedMessage | StreamRecord): EncodedStreamRecord {
  const record = 'size' in message ? message : toStreamRecord(message);
  const envelope = {
    v: STREAM_RECORD_VERSION,
    topic: record.topic,
    receivedAt: record.receivedAt,
    size: record.size,
    ...(record.truncated ? { truncated: true } : {}),
    ...(record.dup ? { dup: true } : {}),
    ...(record.replay ? { replay: record.replay } : {}),
    payload: Buffer.from(record.payload.buffer, record.payload.byteOffset, record.payload.byteLength).toString(
      'base64',
    ),
  };
  return { data: Buffer.from(JSON.stringify(envelope), 'utf8'), partitionKey: partitionKeyFor(record.topic) };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RECEIVED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes Kinesis data into a stream record, or a `bad-envelope` rejection. Never throws. */
export function decodeStreamRecord(data: Uint8Array): Result<StreamRecord> {
  const bad = (what: string) => reject('bad-envelope', `stream record ${what}`);
  let doc: unknown;
  try {
    doc = JSON.parse(utf8.decode(data));
  } catch {
    return bad('is not UTF-8 JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return bad('is not a JSON object');
  const o = doc as Record<string, unknown>;
  if (o.v !== STREAM_RECORD_VERSION) return bad(`has version ${quote(o.v)}, this code reads ${STREAM_RECORD_VERSION}`);
  if (typeof o.topic !== 'string') return bad('has no string "topic"');
  if (typeof o.receivedAt !== 'string' || !RECEIVED_AT.test(o.receivedAt) || Number.isNaN(Date.parse(o.receivedAt))) {
    return bad(`has a bad "receivedAt": ${quote(o.receivedAt)}`);
  }
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) {
    return bad(`has a bad "size": ${quote(o.size)}`);
  }
  if (typeof o.payload !== 'string' || !BASE64.test(o.payload)) return bad('has no base64 "payload"');
  if (o.truncated !== undefined && o.truncated !== true) return bad('has a bad "truncated"');
  if (o.dup !== undefined && o.dup !== true) return bad('has a bad "dup"');
  const payload = new Uint8Array(Buffer.from(o.payload, 'base64'));
  const truncated = o.truncated === true;
  if (truncated ? payload.byteLength > o.size : payload.byteLength !== o.size) {
    return bad(`says "size" ${o.size} but holds ${payload.byteLength} payload bytes`);
  }
  let replay: ReplayMarker | undefined;
  if (o.replay !== undefined) {
    const marker = parseReplayMarker(o.replay);
    if (typeof marker === 'string') return bad(`has a "replay" marker that ${marker}`);
    replay = marker;
  }
  const known = new Set(['v', 'topic', 'receivedAt', 'size', 'truncated', 'dup', 'replay', 'payload']);
  const unknown = Object.keys(o).filter((k) => !known.has(k));
  if (unknown.length > 0) return bad(`has unknown fields ${quote(unknown)}`);
  return accept({
    topic: o.topic,
    receivedAt: o.receivedAt,
    payload,
    size: o.size,
    truncated,
    dup: o.dup === true,
    ...(replay ? { replay } : {}),
  });
}
