/**
 * Decoding the provider's two JSON payload versions (see `shared/reference/upstream-mqtt-service.md`, "Payload
 * format") from raw bytes into a {@link DecodedPayload}, or a typed {@link Rejection}. Tolerant where nothing is
 * lost, strict where something would be. Rules, in the order applied:
 *
 * 1. Over {@link MAX_PAYLOAD_BYTES} bytes: `too-large`.
 * 2. Not valid UTF-8: `not-utf8`. A byte-order mark is not JSON: `not-json`.
 * 3. Not JSON (parsed with lossless-json, which keeps every number's text; `JSON.parse` never sees a value): `not-json`.
 *    Two members with one name and different values: `duplicate-key` (an identical repeat is not ambiguous and passes).
 * 4. Not a JSON object (array, string, number, null): `not-object`.
 * 5. `smarteo_payload_schema_version` missing: `missing-field`; a value other than the number 1 or 2:
 *    `unsupported-version`, so the message can be replayed from quarantine once the decoder learns it. Like
 *    `register_id`, the version is judged by the exact value of the number, not its spelling: `1`, `1.0` and `1e0`
 *    are version 1 (many JSON encoders write a whole double as `1.0`); `"1"`, `1.5` and `3` are not.
 * 6. A required field missing (or `null`): `missing-field`.
 *    v1: `data_timestamp_utc`, `system_timestamp_utc`, `register_id`, `meter_reading`.
 *    v2: `measurement_start_timestamp_utc`, `measurement_end_timestamp_utc`, `register_id`, `value`.
 * 7. `register_id` not a JSON number whose exact value is a positive integer up to 2147483647: `bad-register`.
 *    `12`, `12.0` and `1.2e1` are all register 12 and stored as the integer: the number names one register, and how
 *    an encoder spells a whole number loses nothing. `12.5`, `0`, `-1`, `1e400` and `"12"` are rejected. The value is
 *    read from the decimal text (`exactInteger` in `decimal.ts`), never through a float, so nothing rounds into an
 *    integer.
 * 8. The value (`meter_reading` / `value`) not a JSON number (a string, boolean, object), or one that does not fit a
 *    DynamoDB Number: `bad-value`. Its decimal text is kept exactly (see `decimal.ts`).
 * 9. A timestamp that is not ISO 8601 with `Z` or a UTC offset: `bad-timestamp` (see `timestamp.ts`). Offsets are
 *    converted to UTC, the identity being the instant. The reading time and the v2 interval start are kept to the
 *    millisecond (a non-zero finer digit is rejected: the sort key would lose it); v1 `system_timestamp_utc`, which is
 *    not part of the identity, keeps every digit (`2023-01-12T00:00:03.123456Z`).
 * 10. A v2 interval whose end is not after its start: `bad-interval`.
 *
 * The schema version and the register are independent: the provider documents v1 for register 2 (accumulated energy)
 * and v2 for every other register, and is moving register 2 to v2, so v2 is accepted for every register. A v1
 * payload for another register is accepted and stored too, with its `schemaVersion` 1: it carries a complete reading
 * (a register, a time and a value), rejecting it would quarantine the provider's data for a rule only its
 * documentation states, and a quarantine item per reading would page the operator for every one. It is counted
 * instead ({@link isUndocumentedV1}, the ingest metric `V1OtherRegisterStored`), so a change on the provider's side
 * is seen without losing a reading.
 *
 * Fields the version does not define are kept, as lossless JSON text, in `extraFields`: they do not reject a reading.
 */
import { isLosslessNumber, parse, stringify, type LosslessNumber } from 'lossless-json';
import { exactInteger, normalizeDecimal } from './decimal';
import { accept, quote, reject, type Rejection, type Result } from './rejection';
import { canonicalTimestamp, preciseTimestamp } from './timestamp';

/** Largest payload decoded, in bytes. A reading is ~200 bytes; larger messages are quarantined as `too-large`. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** The payload field that names the schema version. */
export const VERSION_FIELD = 'smarteo_payload_schema_version';

/** The register that v1 payloads carry: accumulated energy consumption. */
export const V1_REGISTER_ID = 2;

/** The largest register id accepted (a 32-bit signed integer). */
export const MAX_REGISTER_ID = 2147483647;

/**
 * True for a v1 reading of a register other than {@link V1_REGISTER_ID}: accepted and stored, but not what the
 * provider documents, so the ingest function counts it.
 */
export function isUndocumentedV1(p: Pick<DecodedPayload, 'schemaVersion' | 'registerId'>): boolean {
  return p.schemaVersion === 1 && p.registerId !== V1_REGISTER_ID;
}

/** The schema versions this decoder knows. */
export type SchemaVersion = 1 | 2;

/** A decoded payload: the reading's own fields, independent of the topic. */
export interface DecodedPayload {
  readonly schemaVersion: SchemaVersion;
  readonly registerId: number;
  /** Canonical decimal text of the value (`meter_reading` in v1, `value` in v2). */
  readonly value: string;
  /** Canonical reading time: v1 `data_timestamp_utc`, v2 `measurement_end_timestamp_utc`. */
  readonly readingTime: string;
  /** v2 only: `measurement_start_timestamp_utc`, canonical. */
  readonly intervalStart?: string;
  /** v1 only: `system_timestamp_utc`, canonical with every digit of its fraction (`preciseTimestamp`). */
  readonly systemTime?: string;
  /** Fields this version does not define, as lossless JSON object text; absent when there are none. */
  readonly extraFields?: string;
}

const FIELDS: Record<SchemaVersion, { time: string; start?: string; system?: string; value: string }> = {
  1: { time: 'data_timestamp_utc', system: 'system_timestamp_utc', value: 'meter_reading' },
  2: { time: 'measurement_end_timestamp_utc', start: 'measurement_start_timestamp_utc', value: 'value' },
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes a payload's raw bytes. Never throws. */
export function decodePayload(bytes: Uint8Array): Result<DecodedPayload> {
  try {
    return decodeUnsafe(bytes);
  } catch (err) {
    // Defensive: every known path returns a rejection; this keeps "never throws" true for the unknown ones.
    return reject('not-json', `payload could not be decoded: ${(err as Error)?.message ?? String(err)}`);
  }
}

function decodeUnsafe(bytes: Uint8Array): Result<DecodedPayload> {
  if (bytes.byteLength > MAX_PAYLOAD_BYTES) {
    return reject('too-large', `payload is ${bytes.byteLength} bytes, at most ${MAX_PAYLOAD_BYTES} are decoded`);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return reject('not-utf8', 'payload is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    const message = (err as Error)?.message ?? String(err);
    if (/duplicate key/i.test(message)) return reject('duplicate-key', `payload has a duplicate key: ${message}`);
    return reject('not-json', `payload is not JSON: ${message}`);
  }
  // lossless-json returns numbers as LosslessNumber objects, so a bare number must be told apart from an object
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || isLosslessNumber(doc)) {
    const kind =
      doc === null ? 'null' : Array.isArray(doc) ? 'an array' : isLosslessNumber(doc) ? 'a number' : typeof doc;
    return reject('not-object', `payload must be a JSON object, got ${kind}`);
  }
  const obj = doc as Record<string, unknown>;
  const version = decodeVersion(obj[VERSION_FIELD]);
  if (!version.ok) return version;
  const schemaVersion = version.value;
  const names = FIELDS[schemaVersion];
  const required = [names.time, names.start, names.system, 'register_id', names.value].filter(
    (f): f is string => f !== undefined,
  );
  const missing = required.filter((f) => obj[f] === undefined || obj[f] === null);
  if (missing.length > 0) {
    return reject('missing-field', `v${schemaVersion} payload is missing ${missing.map((f) => `"${f}"`).join(', ')}`);
  }
  const registerId = decodeRegister(obj.register_id);
  if (!registerId.ok) return registerId;
  const rawValue = obj[names.value];
  if (!isLosslessNumber(rawValue)) {
    return reject('bad-value', `"${names.value}" must be a JSON number, got ${describe(rawValue)}`);
  }
  const value = normalizeDecimal((rawValue as LosslessNumber).value, `"${names.value}"`);
  if (!value.ok) return value;
  const readingTime = canonicalTimestamp(obj[names.time], `"${names.time}"`);
  if (!readingTime.ok) return readingTime;
  let intervalStart: string | undefined;
  let systemTime: string | undefined;
  if (names.start) {
    const start = canonicalTimestamp(obj[names.start], `"${names.start}"`);
    if (!start.ok) return start;
    intervalStart = start.value;
    // canonical timestamps of years 0001-9999 sort as strings in time order
    if (!(readingTime.value > intervalStart)) {
      return reject(
        'bad-interval',
        `"${names.time}" (${readingTime.value}) must be after "${names.start}" (${intervalStart})`,
      );
    }
  }
  if (names.system) {
    const system = preciseTimestamp(obj[names.system], `"${names.system}"`);
    if (!system.ok) return system;
    systemTime = system.value;
  }
  const known = new Set([VERSION_FIELD, ...required]);
  const extras = Object.fromEntries(Object.entries(obj).filter(([k]) => !known.has(k)));
  const extraFields = Object.keys(extras).length > 0 ? stringify(extras) : undefined;
  return accept({
    schemaVersion,
    registerId: registerId.value,
    value: value.value,
    readingTime: readingTime.value,
    ...(intervalStart !== undefined ? { intervalStart } : {}),
    ...(systemTime !== undefined ? { systemTime } : {}),
    ...(extraFields !== undefined ? { extraFields } : {}),
  });
}

function decodeVersion(raw: unknown): Result<SchemaVersion> | Rejection {
  if (raw === undefined || raw === null) return reject('missing-field', `payload is missing "${VERSION_FIELD}"`);
  if (isLosslessNumber(raw)) {
    const version = exactInteger((raw as LosslessNumber).value);
    if (version === 1 || version === 2) return accept(version);
  }
  return reject(
    'unsupported-version',
    `"${VERSION_FIELD}" must be 1 or 2, got ${describe(raw)}; the message is kept to be replayed after an upgrade`,
  );
}

function decodeRegister(raw: unknown): Result<number> {
  if (isLosslessNumber(raw)) {
    const n = exactInteger((raw as LosslessNumber).value);
    if (n !== undefined && n >= 1 && n <= MAX_REGISTER_ID) return accept(n);
  }
  return reject(
    'bad-register',
    `"register_id" must be a number whose value is a positive integer up to ${MAX_REGISTER_ID}, got ${describe(raw)}`,
  );
}

function describe(raw: unknown): string {
  if (isLosslessNumber(raw)) return `the number ${(raw as LosslessNumber).value}`;
  if (typeof raw === 'string') return `the string ${quote(raw)}`;
  if (Array.isArray(raw)) return 'an array';
  if (raw === null) return 'null';
  if (typeof raw === 'object') return 'an object';
  return `${typeof raw} ${quote(raw)}`;
}
