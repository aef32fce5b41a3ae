import {
  decodePayload,
  decodeReading,
  isSameReading,
  isUndocumentedV1,
  judgeDelivery,
  MAX_PAYLOAD_BYTES,
  REJECTION_REASONS,
  type DeliveryJudgement,
  type ReadingFacts,
  type RejectionReason,
} from '../../core';

const bytes = (s: string) => new TextEncoder().encode(s);

// The provider's two published samples, verbatim (shared/reference/upstream-mqtt-service.md).
const SAMPLE_V1 = `{
    "smarteo_payload_schema_version": 1,
    "data_timestamp_utc": "2023-01-01T12:34:56.789Z",
    "system_timestamp_utc": "2023-01-01T12:30:00.000Z",
    "register_id": 2,
    "meter_reading": 123.456
}`;
const SAMPLE_V2 = `{
    "smarteo_payload_schema_version": 2,
    "measurement_start_timestamp_utc": "2023-01-01T12:00:00.000Z",
    "measurement_end_timestamp_utc": "2023-01-01T12:01:00.000Z",
    "register_id": 12,
    "value": 123.456
}`;

const v1 = (over: Record<string, unknown> = {}, drop: string[] = []) => {
  const o: Record<string, unknown> = {
    smarteo_payload_schema_version: 1,
    data_timestamp_utc: '2023-01-01T12:34:56.789Z',
    system_timestamp_utc: '2023-01-01T12:30:00.000Z',
    register_id: 2,
    meter_reading: 1,
    ...over,
  };
  for (const d of drop) delete o[d];
  return JSON.stringify(o);
};
const v2 = (over: Record<string, unknown> = {}, drop: string[] = []) => {
  const o: Record<string, unknown> = {
    smarteo_payload_schema_version: 2,
    measurement_start_timestamp_utc: '2023-01-01T12:00:00.000Z',
    measurement_end_timestamp_utc: '2023-01-01T12:01:00.000Z',
    register_id: 12,
    value: 1,
    ...over,
  };
  for (const d of drop) delete o[d];
  return JSON.stringify(o);
};

describe('decodePayload', () => {
  it('decodes the provider v1 sample with the exact decimal text', () => {
    expect(decodePayload(bytes(SAMPLE_V1))).toEqual({
      ok: true,
      value: {
        schemaVersion: 1,
        registerId: 2,
        value: '123.456',
        readingTime: '2023-01-01T12:34:56.789Z',
        systemTime: '2023-01-01T12:30:00.000Z',
      },
    });
  });

  it('decodes the provider v2 sample with the exact decimal text', () => {
    expect(decodePayload(bytes(SAMPLE_V2))).toEqual({
      ok: true,
      value: {
        schemaVersion: 2,
        registerId: 12,
        value: '123.456',
        readingTime: '2023-01-01T12:01:00.000Z',
        intervalStart: '2023-01-01T12:00:00.000Z',
      },
    });
  });

  it.each([
    [
      'a value with more digits than a double holds',
      '{"v":0}'.replace('{"v":0}', v2().replace('"value":1', '"value":0.1000000000000000000000000000000000001')),
      '0.1000000000000000000000000000000000001',
    ],
    ['a negative value', v2({ value: -5.25 }), '-5.25'],
    ['an exponent value', v2().replace('"value":1', '"value":1.5E+3'), '1500'],
    ['trailing zeros', v2().replace('"value":1', '"value":2.500'), '2.5'],
  ])('keeps the exact value of %s', (_what, text, value) => {
    const r = decodePayload(bytes(text));
    expect(r.ok && r.value.value).toBe(value);
  });

  it('keeps unknown fields aside, numbers exact, without rejecting', () => {
    const r = decodePayload(bytes(v2().replace('}', ',"quality":"good","factor":0.30000000000000001}')));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value.extraFields).toBe('{"quality":"good","factor":0.30000000000000001}');
  });

  // Tolerant where nothing is lost: each form decodes to exactly what its plain spelling decodes to.
  it.each<[string, string, Record<string, unknown>]>([
    ['register_id 12.0', v2().replace('"register_id":12', '"register_id":12.0'), { registerId: 12 }],
    ['register_id 1.2e1', v2().replace('"register_id":12', '"register_id":1.2e1'), { registerId: 12 }],
    ['register_id 120E-1', v2().replace('"register_id":12', '"register_id":120E-1'), { registerId: 12 }],
    ['register_id 2.000 in v1', v1().replace('"register_id":2', '"register_id":2.000'), { registerId: 2 }],
    [
      'the largest register_id as 2.147483647e9',
      v2().replace('"register_id":12', '"register_id":2.147483647e9'),
      { registerId: 2147483647 },
    ],
    [
      'version 1.0',
      v1().replace('"smarteo_payload_schema_version":1', '"smarteo_payload_schema_version":1.0'),
      { schemaVersion: 1 },
    ],
    [
      'version 2e0',
      v2().replace('"smarteo_payload_schema_version":2', '"smarteo_payload_schema_version":2e0'),
      { schemaVersion: 2 },
    ],
    [
      'a reading time with +01:00',
      v1({ data_timestamp_utc: '2023-01-01T13:34:56.789+01:00' }),
      { readingTime: '2023-01-01T12:34:56.789Z' },
    ],
    [
      'a reading time with -05:00 across midnight',
      v1({ data_timestamp_utc: '2022-12-31T19:34:56.789-05:00' }),
      { readingTime: '2023-01-01T00:34:56.789Z' },
    ],
    [
      'a reading time with +0530',
      v1({ data_timestamp_utc: '2023-01-01T18:04:56.789+0530' }),
      { readingTime: '2023-01-01T12:34:56.789Z' },
    ],
    [
      'a v2 interval with offsets',
      v2({
        measurement_start_timestamp_utc: '2023-01-01T13:00:00.000+01:00',
        measurement_end_timestamp_utc: '2023-01-01T07:01:00-05:00',
      }),
      { intervalStart: '2023-01-01T12:00:00.000Z', readingTime: '2023-01-01T12:01:00.000Z' },
    ],
    [
      'a reading time with zeros below the millisecond',
      v1({ data_timestamp_utc: '2023-01-01T12:34:56.789000000Z' }),
      { readingTime: '2023-01-01T12:34:56.789Z' },
    ],
    [
      'a system time with microseconds',
      v1({ system_timestamp_utc: '2023-01-12T00:00:03.123456Z' }),
      { systemTime: '2023-01-12T00:00:03.123456Z' },
    ],
    [
      'a system time with nanoseconds and an offset',
      v1({ system_timestamp_utc: '2023-01-12T01:00:03.123456789+01:00' }),
      { systemTime: '2023-01-12T00:00:03.123456789Z' },
    ],
    [
      'a system time with trailing zeros',
      v1({ system_timestamp_utc: '2023-01-12T00:00:03.120000Z' }),
      { systemTime: '2023-01-12T00:00:03.120Z' },
    ],
    [
      'a system time in whole seconds',
      v1({ system_timestamp_utc: '2023-01-12T00:00:03Z' }),
      { systemTime: '2023-01-12T00:00:03.000Z' },
    ],
    ['v1 for register 12 (stored, counted)', v1({ register_id: 12 }), { schemaVersion: 1, registerId: 12 }],
  ])('accepts %s', (_what, text, expected) => {
    const r = decodePayload(bytes(text));
    expect(r).toEqual({ ok: true, value: expect.objectContaining(expected) });
  });

  it.each([
    ['v1, register 2', { schemaVersion: 1, registerId: 2 }, false],
    ['v2, register 2', { schemaVersion: 2, registerId: 2 }, false],
    ['v2, register 12', { schemaVersion: 2, registerId: 12 }, false],
    ['v1, register 12', { schemaVersion: 1, registerId: 12 }, true],
  ] as const)('says whether a reading is an undocumented v1 (%s: %s)', (_what, reading, expected) => {
    expect(isUndocumentedV1(reading)).toBe(expected);
  });

  it('accepts v2 for register 2 (the provider is moving every register to v2)', () => {
    expect(decodePayload(bytes(v2({ register_id: 2 }))).ok).toBe(true);
  });

  it('accepts an identical repeated key', () => {
    expect(decodePayload(bytes(v2().replace('"value":1', '"value":1,"value":1'))).ok).toBe(true);
  });

  const cases: Array<[string, string | Uint8Array, RejectionReason, RegExp]> = [
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'not-utf8', /UTF-8/],
    ['a byte-order mark', '\ufeff' + v2(), 'not-json', /not JSON/],
    ['text that is not JSON', 'hello', 'not-json', /not JSON/],
    ['truncated JSON', v2().slice(0, 20), 'not-json', /not JSON/],
    ['NaN', v2().replace('"value":1', '"value":NaN'), 'not-json', /not JSON/],
    ['an empty payload', '', 'not-json', /not JSON/],
    ['an array', '[1,2]', 'not-object', /an array/],
    ['null', 'null', 'not-object', /null/],
    ['a number', '42', 'not-object', /object/],
    ['a differing duplicate key', v2().replace('"value":1', '"value":1,"value":2'), 'duplicate-key', /duplicate key/],
    ['no version', v2({}, ['smarteo_payload_schema_version']), 'missing-field', /smarteo_payload_schema_version/],
    ['version 3', v2({ smarteo_payload_schema_version: 3 }), 'unsupported-version', /got the number 3/],
    ['version "1" as a string', v1({ smarteo_payload_schema_version: '1' }), 'unsupported-version', /string/],
    ['v1 without meter_reading', v1({}, ['meter_reading']), 'missing-field', /"meter_reading"/],
    ['v1 without system_timestamp_utc', v1({}, ['system_timestamp_utc']), 'missing-field', /system_timestamp_utc/],
    [
      'v2 without start and end',
      v2({}, ['measurement_start_timestamp_utc', 'measurement_end_timestamp_utc']),
      'missing-field',
      /start.*end|end.*start/,
    ],
    ['v2 with a null value', v2({ value: null }), 'missing-field', /"value"/],
    ['v2 without register_id', v2({}, ['register_id']), 'missing-field', /register_id/],
    ['register 0', v2({ register_id: 0 }), 'bad-register', /positive integer/],
    ['a negative register', v2({ register_id: -1 }), 'bad-register', /positive integer/],
    ['a fractional register', v2({ register_id: 1.5 }), 'bad-register', /positive integer/],
    ['a register as a string', v2({ register_id: '12' }), 'bad-register', /string/],
    ['a register over 2^31-1', v2({ register_id: 2147483648 }), 'bad-register', /positive integer/],
    [
      'version 1.5',
      v1().replace('"smarteo_payload_schema_version":1', '"smarteo_payload_schema_version":1.5'),
      'unsupported-version',
      /1\.5/,
    ],
    ['version 0', v1({ smarteo_payload_schema_version: 0 }), 'unsupported-version', /got the number 0/],
    ['register 12.5', v2().replace('"register_id":12', '"register_id":12.5'), 'bad-register', /12\.5/],
    ['register 1e400', v2().replace('"register_id":12', '"register_id":1e400'), 'bad-register', /1e400/],
    ['register 1e-400', v2().replace('"register_id":12', '"register_id":1e-400'), 'bad-register', /1e-400/],
    ['register 0.0', v2().replace('"register_id":12', '"register_id":0.0'), 'bad-register', /0\.0/],
    ['register -12.0', v2().replace('"register_id":12', '"register_id":-12.0'), 'bad-register', /-12\.0/],
    [
      'a register a hair above an integer',
      v2().replace('"register_id":12', '"register_id":12.0000000000000000001'),
      'bad-register',
      /positive integer/,
    ],
    ['a register as a boolean', v2({ register_id: true }), 'bad-register', /boolean/],
    ['a value as a string', v2({ value: '123.456' }), 'bad-value', /string/],
    ['a boolean value', v2({ value: true }), 'bad-value', /boolean/],
    ['an object value', v2({ value: { a: 1 } }), 'bad-value', /object/],
    [
      'a value with 39 digits',
      v2().replace('"value":1', '"value":123456789012345678901234567890123456789'),
      'bad-value',
      /39 significant/,
    ],
    ['a value out of range', v2().replace('"value":1', '"value":1e200'), 'bad-value', /range/],
    [
      'a timestamp without a zone',
      v1({ data_timestamp_utc: '2023-01-01T13:34:56.789' }),
      'bad-timestamp',
      /data_timestamp_utc/,
    ],
    [
      'a sub-millisecond reading time',
      v1({ data_timestamp_utc: '2023-01-01T12:34:56.7891Z' }),
      'bad-timestamp',
      /finer than a millisecond/,
    ],
    [
      'a sub-millisecond interval start',
      v2({ measurement_start_timestamp_utc: '2023-01-01T12:00:00.000001Z' }),
      'bad-timestamp',
      /measurement_start_timestamp_utc.*finer than a millisecond/,
    ],
    [
      'a system time with 10 fraction digits',
      v1({ system_timestamp_utc: '2023-01-01T12:30:00.1234567891Z' }),
      'bad-timestamp',
      /system_timestamp_utc/,
    ],
    [
      'a timestamp as a number',
      v2({ measurement_end_timestamp_utc: 1672574460000 }),
      'bad-timestamp',
      /measurement_end_timestamp_utc/,
    ],
    ['a bad system timestamp', v1({ system_timestamp_utc: 'yesterday' }), 'bad-timestamp', /system_timestamp_utc/],
    [
      'an interval ending at its start',
      v2({ measurement_end_timestamp_utc: '2023-01-01T12:00:00.000Z' }),
      'bad-interval',
      /must be after/,
    ],
    [
      'an interval ending before its start',
      v2({ measurement_end_timestamp_utc: '2023-01-01T11:00:00.000Z' }),
      'bad-interval',
      /must be after/,
    ],
    ['a payload over the limit', new Uint8Array(MAX_PAYLOAD_BYTES + 1), 'too-large', /at most/],
  ];

  it.each(cases)('fails on %s with %s', (_what, input, reason, message) => {
    const r = decodePayload(typeof input === 'string' ? bytes(input) : input);
    expect(r).toEqual({ ok: false, reason, message: expect.stringMatching(message) });
  });

  it('has a case for every payload rejection reason', () => {
    const covered = new Set(cases.map((c) => c[2]));
    const payloadReasons = REJECTION_REASONS.filter((r) => r !== 'bad-envelope' && r !== 'bad-topic');
    expect(payloadReasons.filter((r) => !covered.has(r))).toEqual([]);
  });
});

describe('decodeReading', () => {
  it('gives two deliveries of one reading on different subscriptions the same identity', () => {
    const a = decodeReading('meters/outbound/c1/sub-a/m1', bytes(SAMPLE_V1));
    const b = decodeReading('meters/outbound/c1/sub-b/m1', bytes(SAMPLE_V1));
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(a.value.seriesKey).toBe('c1/m1/2');
      expect([a.value.seriesKey, a.value.readingTime]).toEqual([b.value.seriesKey, b.value.readingTime]);
      expect(isSameReading(a.value, b.value)).toBe(true);
    }
  });

  it('fails on a bad topic before looking at the payload', () => {
    expect(decodeReading('meters/outbound/c1/m1', bytes('not json'))).toMatchObject({ ok: false, reason: 'bad-topic' });
  });

  const V1 = {
    value: '1',
    readingTime: '2023-01-01T12:01:00.000Z',
    systemTime: '2023-01-01T12:01:03.000Z',
    schemaVersion: 1,
  };
  const V2 = {
    value: '1',
    readingTime: '2023-01-01T12:01:00.000Z',
    intervalStart: '2023-01-01T12:00:00.000Z',
    schemaVersion: 2,
  };
  it.each<[string, ReadingFacts, ReadingFacts, DeliveryJudgement]>([
    ['a plain redelivery', V2, { ...V2 }, { kind: 'duplicate', otherFacts: [] }],
    [
      'a v1 re-sent with a new system time',
      V1,
      { ...V1, systemTime: '2023-01-01T12:05:00.123456Z' },
      { kind: 'duplicate', otherFacts: ['systemTime'] },
    ],
    [
      'register 2 sent as v1, then as v2',
      V1,
      V2,
      { kind: 'duplicate', otherFacts: ['systemTime', 'schemaVersion', 'intervalStart'] },
    ],
    [
      'register 2 sent as v2, then as v1',
      V2,
      V1,
      { kind: 'duplicate', otherFacts: ['systemTime', 'schemaVersion', 'intervalStart'] },
    ],
    ['other extra fields', V2, { ...V2, extraFields: '{"q":1}' }, { kind: 'duplicate', otherFacts: ['extraFields'] }],
    [
      'a stored item of an unknown version, same reading',
      { ...V2, schemaVersion: 3 },
      V2,
      { kind: 'duplicate', otherFacts: ['schemaVersion'] },
    ],
    [
      'facts without a version to compare',
      { value: '1', readingTime: V2.readingTime },
      V2,
      { kind: 'duplicate', otherFacts: ['intervalStart'] },
    ],
    ['another value', V2, { ...V2, value: '2' }, { kind: 'conflict', differs: ['value'] }],
    ['another value in the other version', V1, { ...V2, value: '2' }, { kind: 'conflict', differs: ['value'] }],
    [
      'another v2 interval start',
      V2,
      { ...V2, intervalStart: '2023-01-01T11:59:00.000Z' },
      { kind: 'conflict', differs: ['intervalStart'] },
    ],
    [
      'another reading time',
      V2,
      { ...V2, readingTime: '2023-01-01T12:02:00.000Z' },
      { kind: 'conflict', differs: ['readingTime'] },
    ],
  ])('judges %s', (_what, stored, delivered, judgement) => {
    expect(judgeDelivery(stored, delivered)).toEqual(judgement);
    expect(isSameReading(stored, delivered)).toBe(judgement.kind === 'duplicate');
  });
});
