import fc from 'fast-check';
import {
  decodePayload,
  decodeReading,
  decodeStreamRecord,
  encodeStreamRecord,
  KINESIS_MAX_RECORD_BYTES,
  MAX_PAYLOAD_BYTES,
  partitionKeyFor,
  toStreamRecord,
  TRUNCATED_PREFIX_BYTES,
} from '../../core';

const receivedAt = '2026-01-02T03:04:05.678Z';

describe('stream records', () => {
  it('round-trips a message with its raw bytes untouched', () => {
    const payload = new Uint8Array([0, 1, 2, 255, 0x7b]);
    const encoded = encodeStreamRecord({ topic: 'meters/outbound/c/s/m', payload, receivedAt, dup: true });
    expect(encoded.partitionKey).toBe('c/m');
    expect(decodeStreamRecord(encoded.data)).toEqual({
      ok: true,
      value: { topic: 'meters/outbound/c/s/m', receivedAt, payload, size: 5, truncated: false, dup: true },
    });
  });

  it('writes an oversized payload truncated, with its size, so the consumer can quarantine it as too-large', () => {
    const payload = new Uint8Array(5 * 1024 * 1024).fill(0x61);
    const encoded = encodeStreamRecord({ topic: 'meters/outbound/c/s/m', payload, receivedAt: new Date(receivedAt) });
    expect(encoded.data.byteLength).toBeLessThan(KINESIS_MAX_RECORD_BYTES);
    const decoded = decodeStreamRecord(encoded.data);
    expect(decoded.ok && decoded.value.truncated).toBe(true);
    expect(decoded.ok && decoded.value.size).toBe(payload.byteLength);
    expect(decoded.ok && decoded.value.payload.byteLength).toBe(TRUNCATED_PREFIX_BYTES);
  });

  it('keeps a payload of exactly the limit whole', () => {
    const r = toStreamRecord({ topic: 't', payload: new Uint8Array(MAX_PAYLOAD_BYTES), receivedAt });
    expect(r.truncated).toBe(false);
    expect(decodePayload(r.payload)).toMatchObject({ ok: false, reason: 'not-json' });
  });

  it.each([
    ['a parsed topic', 'meters/outbound/cust/sub/meter', 'cust/meter'],
    ['a topic that does not parse', 'some/other/topic', 'some/other/topic'],
    ['an empty topic', '', '-'],
    ['a very long bad topic', 'x'.repeat(1000), 'x'.repeat(256)],
  ])('gives %s a partition key', (_what, topic, key) => {
    expect(partitionKeyFor(topic)).toBe(key);
  });

  const good = JSON.parse(
    new TextDecoder().decode(encodeStreamRecord({ topic: 't', payload: new Uint8Array([1, 2]), receivedAt }).data),
  ) as Record<string, unknown>;
  it.each([
    ['bytes that are not JSON', new TextEncoder().encode('nope'), /not UTF-8 JSON/],
    ['invalid UTF-8', new Uint8Array([0xff]), /not UTF-8 JSON/],
    ['a JSON array', new TextEncoder().encode('[]'), /not a JSON object/],
    ['another version', JSON.stringify({ ...good, v: 2 }), /version 2/],
    ['no topic', JSON.stringify({ ...good, topic: undefined }), /topic/],
    ['a bad receivedAt', JSON.stringify({ ...good, receivedAt: 'now' }), /receivedAt/],
    ['a negative size', JSON.stringify({ ...good, size: -1 }), /size/],
    ['a size that does not match', JSON.stringify({ ...good, size: 3 }), /holds 2 payload bytes/],
    ['a payload that is not base64', JSON.stringify({ ...good, payload: '!!' }), /base64/],
    ['an unknown field', JSON.stringify({ ...good, extra: 1 }), /unknown fields/],
    ['a bad truncated flag', JSON.stringify({ ...good, truncated: 'yes' }), /truncated/],
  ])('fails on %s with bad-envelope', (_what, data, message) => {
    const input = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    expect(decodeStreamRecord(input)).toEqual({
      ok: false,
      reason: 'bad-envelope',
      message: expect.stringMatching(message),
    });
  });

  it('round-trips arbitrary topics and payload bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.uint8Array({ maxLength: 2048 }),
        fc.date({ min: new Date('1970-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
        fc.boolean(),
        (topic, payload, at, dup) => {
          const message = { topic, payload, receivedAt: at, dup };
          const decoded = decodeStreamRecord(encodeStreamRecord(message).data);
          expect(decoded).toEqual({ ok: true, value: toStreamRecord(message) });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws when decoding arbitrary bytes, envelopes or payloads (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string({ maxLength: 120 }), (data, topic) => {
        const envelope = decodeStreamRecord(data);
        expect(typeof envelope.ok).toBe('boolean');
        const reading = decodeReading(topic, data);
        if (!reading.ok) expect(reading.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated JSON payloads (property)', () => {
    const fields = fc.dictionary(
      fc.constantFrom(
        'smarteo_payload_schema_version',
        'register_id',
        'value',
        'meter_reading',
        'data_timestamp_utc',
        'system_timestamp_utc',
        'measurement_start_timestamp_utc',
        'measurement_end_timestamp_utc',
        'x',
      ),
      fc.oneof(fc.jsonValue(), fc.constantFrom(1, 2, '2023-01-01T00:00:00Z', 12)),
    );
    fc.assert(
      fc.property(fields, (obj) => {
        const r = decodeReading('meters/outbound/c/s/m', new TextEncoder().encode(JSON.stringify(obj)));
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
