/**
 * Plausibility of a series' readings, pure: flags, never rewrites. A flag says what looks wrong and leaves the
 * readings as stored; the caller decides what to do with it.
 *
 * - `register-backwards`: an accumulated register (register 2) whose value is lower than the previous reading's (in
 *   reading-time order). Compared on the exact decimal text. The register decides, not the schema version: the
 *   provider is moving register 2 from v1 to v2 with the same values (the ingest function judges a v1 and a v2 of
 *   one time and value the same reading), so v1 and v2 readings of one series are checked alike.
 * - `future`: a reading time more than `futureToleranceMillis` after `now`.
 * - `before-first-reading`: a reading time earlier than the meter's first reading, that is the reading the pipeline
 *   stored first (`firstReadingTime` when the caller knows it; otherwise the earliest reading time among the readings
 *   with the earliest `ingestedAt`). A meter whose clock was reset, or a late delivery of old data, shows up here.
 * - `overlap`: a v2 interval that starts before the previous v2 interval (in reading-time order) ends.
 */
import { compareDecimal } from './decimal-compare';
import { toMillis } from './gaps';

/** The kinds of flag, in the order they are documented. */
export const PLAUSIBILITY_FLAG_KINDS = ['register-backwards', 'future', 'before-first-reading', 'overlap'] as const;

/** One of {@link PLAUSIBILITY_FLAG_KINDS}. */
export type PlausibilityFlagKind = (typeof PLAUSIBILITY_FLAG_KINDS)[number];

/** What {@link checkPlausibility} reads of a reading. */
export interface PlausibilityInput {
  readonly seriesKey: string;
  readonly schemaVersion: number;
  readonly registerId: number;
  /** Exact decimal text. */
  readonly value: string;
  readonly readingTime: string;
  readonly intervalStart?: string;
  /** When the pipeline stored it; used to find the meter's first reading when none is given. */
  readonly ingestedAt?: string;
}

/** A reading that looks wrong, and why. */
export interface PlausibilityFlag {
  readonly kind: PlausibilityFlagKind;
  readonly seriesKey: string;
  /** The flagged reading. */
  readonly readingTime: string;
  /** The reading it was compared with, when there is one. */
  readonly relatedReadingTime?: string;
  /** One line for people. */
  readonly message: string;
}

/** Options of {@link checkPlausibility}. */
export interface PlausibilityOptions {
  /** The present. @default - new Date() */
  readonly now?: Date | string;
  /** How far past `now` a reading time may lie before it is flagged `future`. @default 3600000 (one hour) */
  readonly futureToleranceMillis?: number;
  /** The meter's first reading time. @default - the first-stored reading's time, from `ingestedAt` */
  readonly firstReadingTime?: string;
}

/** Defaults of {@link PlausibilityOptions}. */
export const PLAUSIBILITY_DEFAULTS = { futureToleranceMillis: 3_600_000 } satisfies Partial<PlausibilityOptions>;

/** The accumulated-energy register (v1 payloads, and v2 as the provider moves it). */
const ACCUMULATED_REGISTER = 2;

function firstStored(readings: readonly PlausibilityInput[]): string | undefined {
  let best: PlausibilityInput | undefined;
  for (const r of readings) {
    if (r.ingestedAt === undefined) continue;
    if (
      !best ||
      r.ingestedAt < best.ingestedAt! ||
      (r.ingestedAt === best.ingestedAt && r.readingTime < best.readingTime)
    ) {
      best = r;
    }
  }
  return best?.readingTime;
}

/** The flags of one series' readings (any order in; flags out in reading-time order, then kind). */
export function checkPlausibility(
  readings: readonly PlausibilityInput[],
  options: PlausibilityOptions = {},
): PlausibilityFlag[] {
  const now = toMillis(options.now ?? new Date(), 'now');
  const tolerance = options.futureToleranceMillis ?? PLAUSIBILITY_DEFAULTS.futureToleranceMillis;
  const sorted = [...readings].sort((a, b) =>
    a.readingTime < b.readingTime ? -1 : a.readingTime > b.readingTime ? 1 : 0,
  );
  const firstReading = options.firstReadingTime ?? firstStored(sorted);
  const flags: PlausibilityFlag[] = [];
  let previousAccumulated: PlausibilityInput | undefined;
  let previousInterval: PlausibilityInput | undefined;
  for (const r of sorted) {
    const flag = (kind: PlausibilityFlagKind, message: string, related?: PlausibilityInput) =>
      flags.push({
        kind,
        seriesKey: r.seriesKey,
        readingTime: r.readingTime,
        ...(related ? { relatedReadingTime: related.readingTime } : {}),
        message: `${r.seriesKey} at ${r.readingTime}: ${message}`,
      });
    if (r.registerId === ACCUMULATED_REGISTER) {
      if (previousAccumulated && compareDecimal(r.value, previousAccumulated.value) < 0) {
        flag(
          'register-backwards',
          `accumulated register went backwards from ${previousAccumulated.value} (at ${previousAccumulated.readingTime}) to ${r.value}`,
          previousAccumulated,
        );
      }
      previousAccumulated = r;
    }
    const time = toMillis(r.readingTime, 'readingTime');
    if (time - now > tolerance) {
      flag(
        'future',
        `reading time is ${Math.round((time - now) / 60_000)} min after now (${new Date(now).toISOString()})`,
      );
    }
    if (firstReading !== undefined && r.readingTime < firstReading) {
      flag('before-first-reading', `reading time is before the meter's first reading (${firstReading})`);
    }
    if (r.intervalStart !== undefined) {
      if (previousInterval && r.intervalStart < previousInterval.readingTime) {
        flag(
          'overlap',
          `interval ${r.intervalStart} .. ${r.readingTime} overlaps the previous one ${previousInterval.intervalStart} .. ${previousInterval.readingTime}`,
          previousInterval,
        );
      }
      previousInterval = r;
    }
  }
  return flags;
}
