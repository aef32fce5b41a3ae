import { canonicalTimestamp, normalizeDecimal } from '../../core';

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
    ['2024-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
    ['0050-06-01T00:00:00.000Z', '0050-06-01T00:00:00.000Z'],
  ])('canonicalizes %s', (text, canonical) => {
    expect(canonicalTimestamp(text, 'f')).toEqual({ ok: true, value: canonical });
  });

  it.each([
    ['a non-UTC offset', '2023-01-01T12:34:56.789+01:00', /UTC/],
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
