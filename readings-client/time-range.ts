/**
 * Times given by a caller, turned into the readings table's sort-key form (`YYYY-MM-DDTHH:mm:ss.sssZ`), so that a
 * range compares as text exactly as it does in time.
 */
import { canonicalTimestamp } from '../core';
import { InvalidArgumentError } from './errors';

/** A time range over reading times; both ends inclusive, either open. */
export interface TimeRange {
  /** Earliest reading time (inclusive): a Date, ISO 8601 UTC, or a day `YYYY-MM-DD` (its midnight, UTC). */
  readonly from?: string | Date;
  /** Latest reading time (inclusive), in the same forms. */
  readonly to?: string | Date;
}

/** The range in sort-key form. */
export interface SortKeyRange {
  readonly from?: string;
  readonly to?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A time in sort-key form; throws {@link InvalidArgumentError} naming `name` when it is not one. */
export function toSortKey(time: string | Date, name: string): string {
  if (time instanceof Date) {
    if (Number.isNaN(time.getTime())) throw new InvalidArgumentError(`${name} is an invalid Date`);
    return time.toISOString();
  }
  const canonical = canonicalTimestamp(DAY.test(time) ? `${time}T00:00:00Z` : time, name);
  if (!canonical.ok) {
    throw new InvalidArgumentError(
      `${name} must be an ISO 8601 UTC time (2026-01-31T12:00:00Z) or a day (2026-01-31), got ${JSON.stringify(time)}`,
    );
  }
  return canonical.value;
}

/** The range in sort-key form; throws {@link InvalidArgumentError} when an end is invalid or `from` is after `to`. */
export function toSortKeyRange(range: TimeRange = {}): SortKeyRange {
  const from = range.from === undefined ? undefined : toSortKey(range.from, 'from');
  const to = range.to === undefined ? undefined : toSortKey(range.to, 'to');
  if (from !== undefined && to !== undefined && from > to) {
    throw new InvalidArgumentError(`from (${from}) must not be after to (${to})`);
  }
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

/** A DynamoDB key condition on `attribute` for the range, with its placeholders; empty when the range is open. */
export function sortKeyCondition(
  attribute: string,
  range: SortKeyRange,
): { expression: string; names: Record<string, string>; values: Record<string, { S: string }> } {
  const names = { '#t': attribute };
  if (range.from !== undefined && range.to !== undefined) {
    return {
      expression: '#t BETWEEN :from AND :to',
      names,
      values: { ':from': { S: range.from }, ':to': { S: range.to } },
    };
  }
  if (range.from !== undefined) return { expression: '#t >= :from', names, values: { ':from': { S: range.from } } };
  if (range.to !== undefined) return { expression: '#t <= :to', names, values: { ':to': { S: range.to } } };
  return { expression: '', names: {}, values: {} };
}
