/**
 * DynamoDB's item size rules, pure: what an item weighs for write units (rounded up to 1 KB per unit) and for
 * storage (plus 100 bytes of overhead per item). Used where DynamoDB Local reports no consumed capacity: a write
 * refused by its condition still consumes write units on DynamoDB, sized by the larger of the new and the stored item.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** Bytes DynamoDB adds to every item for storage (not for write units). */
export const STORAGE_OVERHEAD_BYTES = 100;

/** The size of a DynamoDB Number: about one byte per two significant digits, plus one. */
export function numberSize(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** The size of one attribute value, in bytes. */
export function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S, 'utf8');
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return v.B.byteLength;
  if (v.BOOL !== undefined || v.NULL !== undefined) return 1;
  if (v.SS !== undefined) return v.SS.reduce((s, x) => s + Buffer.byteLength(x, 'utf8'), 0);
  if (v.NS !== undefined) return v.NS.reduce((s, x) => s + numberSize(x), 0);
  if (v.BS !== undefined) return v.BS.reduce((s, x) => s + x.byteLength, 0);
  if (v.L !== undefined) return 3 + v.L.reduce((s, x) => s + 1 + valueSize(x), 0);
  if (v.M !== undefined)
    return 3 + Object.entries(v.M).reduce((s, [k, x]) => s + 1 + Buffer.byteLength(k) + valueSize(x), 0);
  return 0;
}

/** The size of an item: attribute names plus values, in bytes. */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((s, [k, v]) => s + Buffer.byteLength(k, 'utf8') + valueSize(v), 0);
}

/** Write units of a write of items of these sizes: the larger one, rounded up to whole KB, at least 1. */
export function writeUnits(...sizes: number[]): number {
  return Math.max(1, Math.ceil(Math.max(0, ...sizes) / 1024));
}
