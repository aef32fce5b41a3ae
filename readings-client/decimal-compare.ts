/**
 * Exact comparison of decimal texts, as DynamoDB returns Numbers (`123.456`, `-0.5`, `1.5E+45`). Readings are compared
 * on their text, never through a binary float, so two values that differ only in the 17th digit still compare right.
 */
import { InvalidArgumentError } from './errors';

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

interface Parsed {
  readonly negative: boolean;
  /** Significant digits, no leading or trailing zeros; empty for zero. */
  readonly digits: string;
  /** The value is 0.<digits> x 10^point. */
  readonly point: number;
}

function parse(text: string): Parsed {
  const m = DECIMAL.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new InvalidArgumentError(`not a decimal number: ${JSON.stringify(text)}`);
  }
  const [, sign = '', intPart = '', fracPart = '', expPart] = m;
  let digits = intPart + fracPart;
  let point = intPart.length + (expPart === undefined ? 0 : Number(expPart));
  const lead = digits.length - digits.replace(/^0+/, '').length;
  digits = digits.slice(lead).replace(/0+$/, '');
  point -= lead;
  return { negative: sign === '-' && digits !== '', digits, point: digits === '' ? 0 : point };
}

function compareMagnitude(a: Parsed, b: Parsed): number {
  if (a.digits === '' || b.digits === '') return (a.digits === '' ? 0 : 1) - (b.digits === '' ? 0 : 1);
  if (a.point !== b.point) return a.point < b.point ? -1 : 1;
  const width = Math.max(a.digits.length, b.digits.length);
  const x = a.digits.padEnd(width, '0');
  const y = b.digits.padEnd(width, '0');
  return x === y ? 0 : x < y ? -1 : 1;
}

/** -1, 0 or 1 as decimal text `a` is less than, equal to or greater than `b`. Throws on text that is not a number. */
export function compareDecimal(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  if (x.negative !== y.negative) return x.negative ? -1 : 1;
  const magnitude = compareMagnitude(x, y);
  const signed = x.negative ? -magnitude : magnitude;
  return signed < 0 ? -1 : signed > 0 ? 1 : 0;
}

/**
 * The value as a JavaScript number. Lossy: a binary float holds about 15-17 significant digits, DynamoDB 38. Use it
 * only where a float is good enough (a chart), never to store or compare readings.
 */
export function toLossyNumber(value: string): number {
  return Number(value);
}
