/**
 * Generated and mutated inputs for the ingest handler (fast-check): the Kinesis data of one record, built from a
 * valid or broken topic, a valid, mutated or random payload, and a valid or broken stream envelope. Readings are
 * drawn from a small space of meters and times so duplicates and conflicts happen often.
 */
import fc from 'fast-check';
import { encodeStreamRecord, MAX_PAYLOAD_BYTES, STREAM_RECORD_VERSION } from '../../../core';

/** The customer of every generated topic. */
export const FUZZ_CUSTOMER = 'fz';
const RECEIVED_AT = '2026-03-01T12:00:00.000Z';

const meter = fc.integer({ min: 1, max: 40 }).map((i) => `m-${i}`);
const validTopic = meter.map((m) => `meters/outbound/${FUZZ_CUSTOMER}/s-1/${m}`);
const brokenTopic = fc.oneof(
  fc.string({ maxLength: 40 }),
  meter.map((m) => `meters/outbound/${FUZZ_CUSTOMER}/s-1/${m}/extra`),
  meter.map((m) => `meters/outbound/${FUZZ_CUSTOMER}//${m}`),
  meter.map((m) => `meters/outbound/${FUZZ_CUSTOMER}/s-1/${m}#`),
  meter.map((m) => `meters/outbound/${FUZZ_CUSTOMER}/+/${m}`),
  meter.map((m) => `meters/outbound/${FUZZ_CUSTOMER}/s-1/${m}\u0000`),
  fc.constant(`meters/outbound/${FUZZ_CUSTOMER}/s-1/${'x'.repeat(300)}`),
  meter.map((m) => `meters/inbound/${FUZZ_CUSTOMER}/s-1/${m}`),
  fc.constant(''),
);
const topic = fc.oneof({ arbitrary: validTopic, weight: 9 }, { arbitrary: brokenTopic, weight: 1 });

const minute = fc.integer({ min: 0, max: 59 });
const time = minute.map((m) => `2026-03-01T10:${String(m).padStart(2, '0')}:00.000Z`);
const timeVariant = fc.oneof(
  { arbitrary: time, weight: 8 },
  { arbitrary: minute.map((m) => `2026-03-01T10:${String(m).padStart(2, '0')}:00+00:00`), weight: 1 },
  { arbitrary: minute.map((m) => `2026-03-01T10:${String(m).padStart(2, '0')}:00.000001Z`), weight: 1 },
);
const decimal = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 3 }).map((n) => `${n}.5`), weight: 4 },
  { arbitrary: fc.integer({ min: -1_000_000, max: 100_000_000 }).map((n) => (n / 1000).toString()), weight: 4 },
  {
    arbitrary: fc.constantFrom(
      '0',
      '1.50',
      '-0',
      '1e3',
      '1E-130',
      '9.99E+125',
      '12345678901234567890123456789012345678',
      '123456789012345678901234567890123456789',
      '1e-131',
      '0.000',
    ),
    weight: 2,
  },
);

type Members = Array<[string, string]>;
const j = (s: string) => JSON.stringify(s);

const v1 = fc.record({ t: timeVariant, s: time, v: decimal }).map(({ t, s, v }): Members => [
  ['smarteo_payload_schema_version', '1'],
  ['data_timestamp_utc', j(t)],
  ['system_timestamp_utc', j(s)],
  ['register_id', '2'],
  ['meter_reading', v],
]);
const v2 = fc.record({ end: minute, r: fc.integer({ min: 1, max: 14 }), v: decimal }).map(({ end, r, v }): Members => {
  const endTime = `2026-03-01T10:${String(end).padStart(2, '0')}:00.000Z`;
  const start = `2026-03-01T09:${String(end).padStart(2, '0')}:00.000Z`;
  return [
    ['smarteo_payload_schema_version', '2'],
    ['measurement_start_timestamp_utc', j(start)],
    ['measurement_end_timestamp_utc', j(endTime)],
    ['register_id', String(r)],
    ['value', v],
  ];
});
const members = fc.oneof(v1, v2);

const strangeValue = fc.constantFrom(
  '"text"',
  'null',
  'true',
  '[]',
  '{}',
  '1e999',
  '-1',
  '0',
  '2.5',
  '""',
  '"2026-13-01T00:00:00Z"',
  '"2026-03-01T10:00:00"',
  '3',
  'NaN',
  '"1.5"',
  '99999999999999999999',
);

/** A JSON-level mutation of a payload's members. */
const mutateMembers = fc.oneof(
  fc.nat().map((i) => (m: Members) => m.filter((_, k) => k !== i % m.length)),
  fc.record({ i: fc.nat(), v: strangeValue }).map(
    ({ i, v }) =>
      (m: Members) =>
        m.map(([k, x], n): [string, string] => [k, n === i % m.length ? v : x]),
  ),
  fc
    .record({ k: fc.string({ maxLength: 12 }), v: fc.json() })
    .map(({ k, v }) => (m: Members) => [...m, [k, v] as [string, string]]),
  fc.nat().map((i) => (m: Members) => [...m, m[i % m.length]!]),
  fc
    .constantFrom('0', '3', '"1"', '2.0', 'null')
    .map(
      (v) => (m: Members) => m.map(([k, x]): [string, string] => [k, k === 'smarteo_payload_schema_version' ? v : x]),
    ),
);

const toText = (m: Members) => `{${m.map(([k, v]) => `${j(k)}:${v}`).join(',')}}`;
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

/** A byte-level mutation: flips, cuts and insertions. */
const mutateBytes = fc
  .array(fc.record({ op: fc.integer({ min: 0, max: 3 }), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((ops) => (bytes: Uint8Array) => {
    let b = Buffer.from(bytes);
    for (const { op, at, byte } of ops) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (op === 0 && b.length > 0) b[i] = byte;
      else if (op === 1) b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
      else if (op === 2) b = Buffer.concat([b.subarray(0, i), Buffer.from([byte]), b.subarray(i)]);
      else b = b.subarray(0, i);
    }
    return new Uint8Array(b);
  });

const payload = fc.oneof(
  { arbitrary: members.map((m) => utf8(toText(m))), weight: 10 },
  { arbitrary: fc.tuple(members, mutateMembers).map(([m, f]) => utf8(toText(f(m)))), weight: 5 },
  { arbitrary: fc.tuple(members, mutateBytes).map(([m, f]) => f(utf8(toText(m)))), weight: 3 },
  { arbitrary: fc.json().map(utf8), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 1 },
);

/** A broken stream envelope around a message. */
const brokenEnvelope = fc.tuple(validTopic, payload, fc.integer({ min: 0, max: 9 })).map(([t, p, kind]) => {
  const good = JSON.parse(
    Buffer.from(encodeStreamRecord({ topic: t, payload: p, receivedAt: RECEIVED_AT }).data).toString(),
  ) as Record<string, unknown>;
  const edits: Array<(e: Record<string, unknown>) => unknown> = [
    (e) => ({ ...e, v: STREAM_RECORD_VERSION + 1 }),
    (e) => ({ ...e, topic: 5 }),
    (e) => ({ ...e, receivedAt: 'yesterday' }),
    (e) => ({ ...e, size: (e.size as number) + 1 }),
    (e) => ({ ...e, payload: 'not base64!' }),
    (e) => ({ ...e, dup: 'yes' }),
    (e) => ({ ...e, extra: 1 }),
    (e) => ({ v: e.v, topic: e.topic }),
    () => [1, 2, 3],
    () => 'plain text',
  ];
  return utf8(JSON.stringify(edits[kind]!(good)));
});

/** A message whose payload is over the stream's limit: the bridge forwards a truncated prefix. */
const tooLarge = validTopic.map(
  (t) =>
    encodeStreamRecord({ topic: t, payload: new Uint8Array(MAX_PAYLOAD_BYTES + 1).fill(0x7b), receivedAt: RECEIVED_AT })
      .data,
);

/** The Kinesis data of one record. */
export const kinesisData: fc.Arbitrary<Uint8Array> = fc.oneof(
  {
    arbitrary: fc
      .tuple(topic, payload, fc.boolean())
      .map(([t, p, dup]) => encodeStreamRecord({ topic: t, payload: p, receivedAt: RECEIVED_AT, dup }).data),
    weight: 1800,
  },
  { arbitrary: brokenEnvelope, weight: 160 },
  { arbitrary: fc.uint8Array({ maxLength: 100 }), weight: 40 },
  // About one in 2,000: each holds 256 KiB.
  { arbitrary: tooLarge, weight: 1 },
);
