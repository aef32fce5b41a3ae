/**
 * Capacity from the measured session figures, pure: how many sessions (lanes) a fleet needs at each broker window,
 * and how long the backlog of a one-hour outage takes to drain with them. Nothing here is measured.
 */
import type { Scenario } from './cost-model';

/** Readings per second of a fleet. */
export function fleetRate(s: Scenario): number {
  return s.meters / s.cadenceSeconds;
}

/**
 * Headroom kept when sizing lanes: a lane runs at most at this share of its measured rate in steady state, so a
 * backlog drains and the burst at the top of each interval is absorbed.
 */
export const LANE_HEADROOM = 0.5;

/** Sessions needed so that the fleet uses at most {@link LANE_HEADROOM} of their measured capacity. */
export function lanesNeeded(rate: number, perSessionRate: number): number {
  if (!(perSessionRate > 0)) return Infinity;
  return Math.max(1, Math.ceil(rate / (perSessionRate * LANE_HEADROOM)));
}

/**
 * Seconds to drain the backlog of an outage of `outageSeconds` while the feed goes on at `rate`, with `lanes`
 * sessions of `perSessionRate` each: backlog / (capacity - rate); Infinity when the capacity does not exceed the
 * rate (the backlog never drains).
 */
export function drainSeconds(rate: number, perSessionRate: number, lanes = 1, outageSeconds = 3600): number {
  const spare = perSessionRate * lanes - rate;
  return spare > 0 ? (rate * outageSeconds) / spare : Infinity;
}

/** A duration for a table: seconds, minutes or hours; "never" for Infinity. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
