import { canonicalTimestamp, exactInteger, normalizeDecimal, preciseTimestamp } from '../../core';

describe('normalizeDecimal', () => {
  it.each([
    ['123.456', '123.456'],
    ['0', '0'],
    ['-0', '0'],
    ['0.0', '0'],
    ['1.50', '1.5'],
    ['15e-1', '1.5'],
    ['1E3', '1000'],
    ['-0.001', '-0.001'],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345678'],
    ['1.2345678901234567890123456789012345678', '1.2345678901234567890123456789012345678'],
    ['1e100', '1E+99'.replace('99', '100')],
    ['1.5e100', '1.5E+100'],
    ['1e-130', '1E-130'],
    ['-9.9999999999999999999999999999999999999e125', '-9.9999999999999999999999999999999999999E+125'],
    ['100000000000000000000000000000000000000000000', '1E+44'],
    ['0.000000000000000000000001', '1E-24'],
  ])('normalizes %s to %s', (text, canonical) => {
    expect(normalizeDecimal(text)).toEqual({ ok: true, value: canonical });
  });

  it.each([
    ['39 significant digits', '123456789012345678901234567890123456789', /39 significant digits/],
    ['a magnitude too small', '1e-131', /range/],
    ['a magnitude too large', '1e126', /range/],
    ['a huge exponent', '1e99999999', /range/],
    ['not a number', 'abc', /JSON number/],
    ['a leading plus', '+1', /JSON number/],
    ['NaN', 'NaN', /JSON number/],
  ])('fails on %s', (_what, text, message) => {
    const r = normalizeDecimal(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('bad-value');
      expect(r.message).toMatch(message);
    }
  });
});

describe('canonicalTimestamp', () => {
  it.each([
    ['2023-01-01T12:34:56.789Z', '2023-01-01T12:34:56.789Z'],
    ['2023-01-01T12:34:56Z', '2023-01-01T12:34:56.000Z'],
    ['2023-01-01T12:34:56.7Z', '2023-01-01T12:34:56.700Z'],
    ['2023-01-01T12:34:56.789000Z', '2023-01-01T12:34:56.789Z'],
    ['2023-01-01T12:34:56.789+00:00', '2023-01-01T12:34:56.789Z'],
    ['2023-01-01T12:34:56.789-00:00', '2023-01-01T12:34:56.789Z'],
    ['2023-01-11T13:00:00.000+01:00', '2023-01-11T12:00:00.000Z'],
    ['2023-01-11T13:00:00.000+0100', '2023-01-11T12:00:00.000Z'],
    ['2023-01-11T13:00:00+01', '2023-01-11T12:00:00.000Z'],
    ['2023-01-11T07:00:00.000-05:00', '2023-01-11T12:00:00.000Z'],
    ['2023-01-11T17:45:00.000+05:45', '2023-01-11T12:00:00.000Z'],
    ['2023-01-01T00:30:00.000+01:00', '2022-12-31T23:30:00.000Z'],
    ['2024-02-28T23:00:00.000-01:00', '2024-02-29T00:00:00.000Z'],
    ['2023-12-31T23:59:59.999-23:59', '2024-01-01T23:58:59.999Z'],
    ['2023-01-01T12:34:56.789000+02:00', '2023-01-01T10:34:56.789Z'],
    ['2024-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
    ['0050-06-01T00:00:00.000Z', '0050-06-01T00:00:00.000Z'],
  ])('canonicalizes %s', (text, canonical) => {
    expect(canonicalTimestamp(text, 'f')).toEqual({ ok: true, value: canonical });
  });

  it.each([
    ['an offset of 24 hours', '2023-01-01T12:34:56.789+24:00', /offset outside/],
    ['an offset of 60 minutes', '2023-01-01T12:34:56.789+01:60', /offset outside/],
    ['an offset with seconds', '2023-01-01T12:34:56.789+01:00:00', /UTC offset/],
    ['a one-digit offset', '2023-01-01T12:34:56.789+1', /UTC offset/],
    ['a zone name', '2023-01-01T12:34:56.789 Europe/Oslo', /UTC offset/],
    ['an offset before year 1 in UTC', '0001-01-01T00:30:00.000+01:00', /years 0001-9999/],
    ['an offset after year 9999 in UTC', '9999-12-31T23:30:00.000-01:00', /years 0001-9999/],
    ['a real-looking local date that is not real', '2023-02-29T00:30:00.000+01:00', /not a real date/],
    ['a sub-millisecond fraction with an offset', '2023-01-01T12:34:56.7891+01:00', /lose precision/],
    ['10 fraction digits', '2023-01-01T12:34:56.7890000000Z', /UTC offset/],
    ['no zone', '2023-01-01T12:34:56.789', /UTC/],
    ['a space for T', '2023-01-01 12:34:56.789Z', /UTC/],
    ['lower-case z', '2023-01-01T12:34:56.789z', /UTC/],
    ['a date only', '2023-01-01', /UTC/],
    ['a sub-millisecond fraction', '2023-01-01T12:34:56.7891Z', /lose precision/],
    ['February 30th', '2023-02-30T00:00:00Z', /not a real date/],
    ['February 29th of a common year', '2023-02-29T00:00:00Z', /not a real date/],
    ['hour 24', '2023-01-01T24:00:00Z', /not a real date/],
    ['a leap second', '2016-12-31T23:59:60Z', /not a real date/],
    ['year zero', '0000-01-01T00:00:00Z', /not a real date/],
    ['a number', 1672576496789, /string/],
    ['null', null, /string/],
  ])('fails on %s', (_what, value, message) => {
    const r = canonicalTimestamp(value, 'data_timestamp_utc');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe('bad-timestamp');
      expect(r.message).toMatch(message);
      expect(r.message).toContain('data_timestamp_utc');
    }
  });
});

describe('preciseTimestamp', () => {
  it.each([
    ['2023-01-12T00:00:03.123456Z', '2023-01-12T00:00:03.123456Z'],
    ['2023-01-12T00:00:03.123456789Z', '2023-01-12T00:00:03.123456789Z'],
    ['2023-01-12T00:00:03.1234Z', '2023-01-12T00:00:03.1234Z'],
    ['2023-01-12T00:00:03.123Z', '2023-01-12T00:00:03.123Z'],
    ['2023-01-12T00:00:03.123000Z', '2023-01-12T00:00:03.123Z'],
    ['2023-01-12T00:00:03.100000010Z', '2023-01-12T00:00:03.10000001Z'],
    ['2023-01-12T00:00:03.1Z', '2023-01-12T00:00:03.100Z'],
    ['2023-01-12T00:00:03Z', '2023-01-12T00:00:03.000Z'],
    ['2023-01-12T01:00:03.123456+01:00', '2023-01-12T00:00:03.123456Z'],
    ['2023-01-11T19:00:03.000001-0500', '2023-01-12T00:00:03.000001Z'],
  ])('keeps every digit of %s as %s', (text, canonical) => {
    expect(preciseTimestamp(text, 'f')).toEqual({ ok: true, value: canonical });
  });

  it.each([
    ['no zone', '2023-01-12T00:00:03.123456', /UTC offset/],
    ['10 fraction digits', '2023-01-12T00:00:03.1234567891Z', /UTC offset/],
    ['February 30th', '2023-02-30T00:00:00.123456Z', /not a real date/],
    ['a number', 1673481603123, /string/],
  ])('fails on %s', (_what, value, message) => {
    expect(preciseTimestamp(value, 'system_timestamp_utc')).toEqual({
      ok: false,
      reason: 'bad-timestamp',
      message: expect.stringMatching(message),
    });
  });
});

describe('exactInteger', () => {
  it.each([
    ['12', 12],
    ['12.0', 12],
    ['1.2e1', 12],
    ['1.2E+1', 12],
    ['120e-1', 12],
    ['0.12e2', 12],
    ['0', 0],
    ['-0', 0],
    ['0.0', 0],
    ['-1', -1],
    ['2147483647', 2147483647],
    ['9007199254740991', 9007199254740991],
  ])('reads %s as %s', (text, n) => {
    expect(exactInteger(text)).toBe(n);
  });

  it.each([
    ['a fraction', '12.5'],
    ['a tiny fraction', '12.0000000000000000001'],
    ['a huge exponent', '1e400'],
    ['a tiny exponent', '1e-400'],
    ['an exponent of 7 digits', '1e1000000'],
    ['17 digits', '12345678901234567'],
    ['above the safe integers', '9007199254740993'],
    ['not a number', '12a'],
    ['a leading plus', '+12'],
  ])('gives nothing for %s', (_what, text) => {
    expect(exactInteger(text)).toBeUndefined();
  });
});
