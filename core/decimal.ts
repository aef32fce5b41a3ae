/**
 * Exact decimal numbers as DynamoDB stores them.
 *
 * Readings keep their decimal text: a value is never turned into a binary float (`123.456` must not become
 * `123.45600000000000307`). {@link normalizeDecimal} takes the text of a JSON number and returns its canonical text:
 * no leading zeros, no trailing zeros in the fraction, no exponent unless the number is very large or very small, so
 * that two texts of one number (`1.50`, `1.5`, `15e-1`) compare equal and DynamoDB accepts it.
 *
 * A value is rejected (`bad-value`) when DynamoDB could not hold it exactly: more than
 * {@link DYNAMODB_MAX_SIGNIFICANT_DIGITS} significant digits, or a magnitude outside 1E-130 .. 9.99..E+125.
 */
import { accept, quote, reject, type Result } from './rejection';

/** DynamoDB keeps up to 38 significant digits. */
export const DYNAMODB_MAX_SIGNIFICANT_DIGITS = 38;

const JSON_NUMBER = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Canonical text of a JSON number that fits a DynamoDB Number, or a `bad-value` rejection naming `field`. */
export function normalizeDecimal(text: string, field = 'value'): Result<string> {
  const m = JSON_NUMBER.exec(text);
  if (!m) return reject('bad-value', `${field} must be a JSON number, got ${quote(text)}`);
  const [, sign, intPart = '', fracPart = '', expPart] = m;
  if (expPart !== undefined && expPart.replace(/^[+-]/, '').length > 6) {
    return reject('bad-value', `${field} ${quote(text)} is out of DynamoDB's range (exponent too large)`);
  }
  const exp = expPart === undefined ? 0 : Number(expPart);
  let digits = intPart + fracPart;
  // position of the decimal point, counted from the left end of `digits`
  let point = intPart.length + exp;
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  point -= lead;
  digits = digits.replace(/0+$/, '');
  if (digits.length === 0) return accept('0');
  if (digits.length > DYNAMODB_MAX_SIGNIFICANT_DIGITS) {
    return reject(
      'bad-value',
      `${field} ${quote(text)} has ${digits.length} significant digits, DynamoDB keeps at most ${DYNAMODB_MAX_SIGNIFICANT_DIGITS}`,
    );
  }
  // value = 0.<digits> x 10^point, so its order of magnitude is point - 1
  const magnitude = point - 1;
  if (magnitude < -130 || magnitude > 125) {
    return reject('bad-value', `${field} ${quote(text)} is outside DynamoDB's range 1E-130 .. 9.99E+125 in magnitude`);
  }
  const neg = sign === '-' ? '-' : '';
  if (point > 40 || point < -20) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return accept(`${neg}${mantissa}E${magnitude >= 0 ? '+' : '-'}${Math.abs(magnitude)}`);
  }
  if (point <= 0) return accept(`${neg}0.${'0'.repeat(-point)}${digits}`);
  if (point >= digits.length) return accept(`${neg}${digits}${'0'.repeat(point - digits.length)}`);
  return accept(`${neg}${digits.slice(0, point)}.${digits.slice(point)}`);
}

/** Largest number of integer digits {@link exactInteger} computes; anything longer is outside every integer field. */
const MAX_INTEGER_DIGITS = 16;

/**
 * The exact value of a JSON number's text when it is a whole number of at most 16 digits, as a safe integer
 * (`12`, `12.0`, `1.2e1`, `120E-1` are all 12); undefined when the value has a fraction (`12.5`), is larger, or the
 * text is no JSON number. The value is judged from the decimal text, never through a binary float, so `1e400` or
 * `12.0000000000000000001` cannot round into an integer.
 */
export function exactInteger(text: string): number | undefined {
  const m = JSON_NUMBER.exec(text);
  if (!m) return undefined;
  const [, sign, intPart = '', fracPart = '', expPart] = m;
  // an exponent of more than 6 digits is far outside any integer field (and must not build a huge string)
  if (expPart !== undefined && expPart.replace(/^[+-]/, '').length > 6) return undefined;
  let digits = intPart + fracPart;
  let point = intPart.length + (expPart === undefined ? 0 : Number(expPart));
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead);
  point -= lead;
  digits = digits.replace(/0+$/, '');
  if (digits.length === 0) return 0;
  if (point < digits.length || point > MAX_INTEGER_DIGITS) return undefined;
  const n = Number(digits + '0'.repeat(point - digits.length));
  if (!Number.isSafeInteger(n)) return undefined;
  return sign === '-' ? -n : n;
}
