import fc from 'fast-check';
import { normalizeDecimal } from '../../core';
import { compareDecimal } from '../../readings-client/decimal-compare';
import { InvalidArgumentError } from '../../readings-client/errors';

describe('compareDecimal', () => {
  it.each([
    ['123.456', '123.456', 0],
    ['1.5', '1.50', 0],
    ['15E-1', '1.5', 0],
    ['0', '-0', 0],
    ['0', '0.000', 0],
    ['123.456', '123.4561', -1],
    ['10', '9.99999999999999999999999999999999999', 1],
    ['-1', '1', -1],
    ['-2', '-1', -1],
    ['-0.5', '0', -1],
    ['0.001', '0', 1],
    ['1.5E+45', '1.4999999999999999999999999999999999999E+45', 1],
    ['12345678901234567890123456789012345678', '12345678901234567890123456789012345677', 1],
    ['0.00000000000000000000000000000000000001', '0.00000000000000000000000000000000000002', -1],
  ])('compares %s with %s as %i', (a, b, expected) => {
    // WHEN / THEN
    expect(compareDecimal(a, b)).toBe(expected);
    expect(compareDecimal(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it('agrees with the order of small integers', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (a, b) => {
        expect(compareDecimal(String(a), String(b))).toBe(Math.sign(a - b) || 0);
      }),
    );
  });

  it('agrees with the order of decimals scaled to integers, beyond float precision', () => {
    const digits = fc.stringMatching(/^[1-9]\d{0,37}$/);
    fc.assert(
      fc.property(digits, digits, fc.integer({ min: 0, max: 30 }), (a, b, scale) => {
        // GIVEN two 38-digit-or-fewer integers, both divided by 10^scale
        const shift = (s: string) => normalizeDecimal(`${s}e-${scale}`);
        const x = shift(a);
        const y = shift(b);
        if (!x.ok || !y.ok) return;
        const expected = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
        // THEN the texts compare like the integers
        expect(compareDecimal(x.value, y.value)).toBe(expected);
      }),
    );
  });

  it('fails on text that is not a number', () => {
    expect(() => compareDecimal('abc', '1')).toThrow(InvalidArgumentError);
    expect(() => compareDecimal('', '1')).toThrow(InvalidArgumentError);
  });
});
