/**
 * The simulated feed, pure: a deterministic sequence of messages as the provider publishes them, from a seed.
 *
 * Readings come in rounds of the cadence: every meter sends every register at `start + k * cadence`. Register 2
 * carries a v1 payload with a rising accumulated reading (decimal text like `12345.678`); every other register a v2
 * payload with the interval value of `[t - cadence, t]`. Between readings, with the configured shares, come duplicate
 * deliveries (the same topic and bytes again, a few messages later, as a QoS 1 redelivery does) and malformed
 * messages (one of every rejection reason in turn; see `malformed.ts`).
 *
 * With `providerFormsShare`, a share of readings is written in one of the other forms the provider really sends
 * ({@link PROVIDER_FORMS}), each of which the core decodes as the same reading: identity timestamps at a UTC offset,
 * a v1 system time with microseconds or nanoseconds, `register_id` as `12.0` or `1.2e1`, a v1 re-send with a new
 * system time, and a register 2 reading sent again as v2. The first three are the reading's only delivery; the last
 * two are later deliveries of one already sent, so the books count them as duplicates. The share is 0 by default so
 * that a seed's feed stays the same for the chaos scenarios; `npm start` and `npm run simulate` turn it on.
 */
import { normalizeDecimal, seriesKey } from '../../core';
import { buildMalformed, MALFORMED_REASONS, type MalformedReason } from './malformed';
import {
  membersToJson,
  thousandthsToDecimal,
  v1Members,
  v2Members,
  writeInteger,
  writeTimestamp,
  type TimestampSpelling,
  type V1Fields,
  type V2Fields,
} from './payloads';
import { seededRandom, type Random } from './random';

/** What the feed looks like. */
export interface FeedOptions {
  /** Seed of every random choice: one seed, one feed. @default 1 */
  readonly seed: number;
  /** @default 'demo' */
  readonly customerId: string;
  /** @default 'sub-1' */
  readonly subscriptionId: string;
  /** Number of meters. @default 50 */
  readonly meters: number;
  /** Registers each meter sends; register 2 is v1, the others v2. @default [2, 12] */
  readonly registers: readonly number[];
  /** Seconds between two readings of one register (simulated time). @default 60 */
  readonly cadenceSeconds: number;
  /** The time the first round ends (ISO 8601 UTC). @default '2026-01-01T00:00:00.000Z' */
  readonly startTime: string;
  /** Share of readings delivered twice, from 0 to 1. @default 0.05 */
  readonly duplicateShare: number;
  /** Share of messages that are malformed, from 0 to 1. @default 0.02 */
  readonly malformedShare: number;
  /** A `too-large` message (over 256 KiB) comes once in this many cycles through the reasons. @default 5 */
  readonly tooLargeEveryCycles: number;
  /** A duplicate follows its original after 1 to this many messages. @default 20 */
  readonly maxDuplicateDelay: number;
  /** Share of readings written in another provider form ({@link PROVIDER_FORMS}), from 0 to 1. @default 0 */
  readonly providerFormsShare: number;
}

/**
 * The other forms in which the provider sends a valid reading:
 * - `offset`: identity timestamps at a UTC offset (`+01:00`, `-05:00`, `+0100`) naming the same instant;
 * - `system-time-fraction`: a v1 `system_timestamp_utc` with microseconds or nanoseconds;
 * - `register-id-form`: `register_id` as a whole double (`12.0`, `2.0`) or with an exponent (`1.2e1`);
 * - `resend`: a v1 reading sent again with a new system time and the same value (a duplicate);
 * - `other-version`: a register 2 reading sent again as v2 with the same time and value (a duplicate).
 */
export const PROVIDER_FORMS = [
  'offset',
  'system-time-fraction',
  'register-id-form',
  'resend',
  'other-version',
] as const;

/** One of {@link PROVIDER_FORMS}. */
export type ProviderForm = (typeof PROVIDER_FORMS)[number];

/** The forms a v1 reading (register 2) can take, and a v2 reading. */
const V1_FORMS: readonly ProviderForm[] = PROVIDER_FORMS;
const V2_FORMS: readonly ProviderForm[] = ['offset', 'register-id-form'];

/** The offsets the feed writes identity timestamps at. */
const OFFSET_SPELLINGS: readonly TimestampSpelling[] = [
  { offsetMinutes: 60, offsetStyle: 'colon' },
  { offsetMinutes: -300, offsetStyle: 'colon' },
  { offsetMinutes: 60, offsetStyle: 'basic' },
];

/** The defaults of {@link FeedOptions}. */
export const FEED_DEFAULTS = {
  seed: 1,
  customerId: 'demo',
  subscriptionId: 'sub-1',
  meters: 50,
  registers: [2, 12],
  cadenceSeconds: 60,
  startTime: '2026-01-01T00:00:00.000Z',
  duplicateShare: 0.05,
  malformedShare: 0.02,
  tooLargeEveryCycles: 5,
  maxDuplicateDelay: 20,
  providerFormsShare: 0,
} satisfies FeedOptions;

/** A reading the readings table must hold once: its key and canonical value. */
export interface ExpectedReading {
  readonly pk: string;
  readonly sk: string;
  readonly value: string;
}

/** A reading's delivery: its first (`reading`) or a repeat of the same bytes (`duplicate`). */
export interface ReadingMessage {
  readonly index: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly kind: 'reading' | 'duplicate';
  readonly reading: ExpectedReading;
  /** The provider form the message is written in, when not the plain one. */
  readonly form?: ProviderForm;
}

/** A message the core rejects with `reason`. */
export interface MalformedFeedMessage {
  readonly index: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly kind: 'malformed';
  readonly reason: MalformedReason;
}

/** One message of the feed. */
export type FeedMessage = ReadingMessage | MalformedFeedMessage;

/** The subscription filter that receives the whole feed (malformed topics included). */
export function feedFilter(options: Pick<FeedOptions, 'customerId'>): string {
  return `meters/outbound/${options.customerId}/#`;
}

/**
 * One topic of each shape the feed publishes on: a reading's, and (when malformed messages are sent) the `bad-topic`
 * shapes. A bridge must subscribe to filters that match them all, or the books cannot balance.
 */
export function feedTopicShapes(
  options: Pick<FeedOptions, 'customerId' | 'subscriptionId' | 'malformedShare'>,
): string[] {
  const base = `meters/outbound/${options.customerId}`;
  const reading = `${base}/${options.subscriptionId}/${meterId(0)}`;
  if (options.malformedShare === 0) return [reading];
  return [
    reading,
    `${reading}/extra`,
    `${base}//${meterId(0)}`,
    `${base}/${options.subscriptionId}`,
    `${base}/${options.subscriptionId}/`,
  ];
}

/** True when an MQTT subscription filter matches a topic (`+` one level, `#` the rest, the parent included). */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Checks options and returns them complete, or throws with what was received and what is allowed. */
export function feedOptions(partial: Partial<FeedOptions> = {}): FeedOptions {
  const o: FeedOptions = { ...FEED_DEFAULTS, ...partial };
  const fail = (what: string) => {
    throw new Error(what);
  };
  if (!Number.isSafeInteger(o.seed)) fail(`seed must be an integer, got ${o.seed}`);
  if (!/^[A-Za-z0-9_.-]+$/.test(o.customerId))
    fail(`customerId must be letters, digits, '_', '.', '-', got "${o.customerId}"`);
  if (!/^[A-Za-z0-9_.-]+$/.test(o.subscriptionId))
    fail(`subscriptionId must be letters, digits, '_', '.', '-', got "${o.subscriptionId}"`);
  if (!Number.isInteger(o.meters) || o.meters < 1 || o.meters > 1_000_000)
    fail(`meters must be an integer from 1 to 1000000, got ${o.meters}`);
  if (o.registers.length === 0 || o.registers.some((r) => !Number.isInteger(r) || r < 1 || r > 2147483647)) {
    fail(`registers must be positive integers, got ${o.registers.join(',')}`);
  }
  if (new Set(o.registers).size !== o.registers.length) fail(`registers must differ, got ${o.registers.join(',')}`);
  if (!Number.isInteger(o.cadenceSeconds) || o.cadenceSeconds < 1)
    fail(`cadenceSeconds must be a positive integer, got ${o.cadenceSeconds}`);
  if (Number.isNaN(Date.parse(o.startTime)) || new Date(Date.parse(o.startTime)).toISOString() !== o.startTime) {
    fail(`startTime must be ISO 8601 UTC with milliseconds (2026-01-01T00:00:00.000Z), got "${o.startTime}"`);
  }
  for (const [name, share] of [
    ['duplicateShare', o.duplicateShare],
    ['malformedShare', o.malformedShare],
    ['providerFormsShare', o.providerFormsShare],
  ] as const) {
    if (!(share >= 0 && share <= 1)) fail(`${name} must be from 0 to 1, got ${share}`);
  }
  if (!Number.isInteger(o.tooLargeEveryCycles) || o.tooLargeEveryCycles < 0)
    fail(`tooLargeEveryCycles must be an integer >= 0, got ${o.tooLargeEveryCycles}`);
  if (!Number.isInteger(o.maxDuplicateDelay) || o.maxDuplicateDelay < 1)
    fail(`maxDuplicateDelay must be a positive integer, got ${o.maxDuplicateDelay}`);
  return o;
}

/** The meter id of meter number `i` (0-based). */
export function meterId(i: number): string {
  return `m-${String(i + 1).padStart(5, '0')}`;
}

/**
 * The feed as an endless iterator: one seed and options, one sequence of messages. Call {@link FeedPlan.next} for
 * each message to publish.
 */
export class FeedPlan {
  readonly options: FeedOptions;
  private readonly random: Random;
  private readonly accumulated: number[];
  private readonly pending: { dueAt: number; message: ReadingMessage }[] = [];
  private emitted = 0;
  private slot = 0;
  private malformedSerial = 0;
  private cycleOrder: MalformedReason[] = [];

  constructor(options: Partial<FeedOptions> = {}) {
    this.options = feedOptions(options);
    this.random = seededRandom(this.options.seed);
    // Accumulated registers start anywhere from 1000.000 to 99999.999.
    this.accumulated = Array.from({ length: this.options.meters }, () => this.random.int(1_000_000, 99_999_999));
  }

  /** The next message of the feed. */
  next(): FeedMessage {
    const index = this.emitted++;
    const due = this.pending.findIndex((p) => p.dueAt <= index);
    if (due >= 0) {
      const [{ message }] = this.pending.splice(due, 1) as unknown as [{ message: ReadingMessage }];
      return { ...message, index };
    }
    if (this.random.chance(this.options.malformedShare)) return this.malformed(index);
    const reading = this.reading(index);
    if (this.random.chance(this.options.duplicateShare)) {
      this.pending.push({
        dueAt: index + this.random.int(1, this.options.maxDuplicateDelay),
        message: { ...reading, kind: 'duplicate' },
      });
    }
    return reading;
  }

  private roundTime(round: number): number {
    return Date.parse(this.options.startTime) + round * this.options.cadenceSeconds * 1000;
  }

  private reading(index: number): ReadingMessage {
    const o = this.options;
    const perRound = o.meters * o.registers.length;
    const round = Math.floor(this.slot / perRound);
    const inRound = this.slot % perRound;
    this.slot++;
    const meter = Math.floor(inRound / o.registers.length);
    const registerId = o.registers[inRound % o.registers.length] as number;
    const t = this.roundTime(round);
    const topic = `meters/outbound/${o.customerId}/${o.subscriptionId}/${meterId(meter)}`;
    const time = new Date(t).toISOString();
    const start = new Date(t - o.cadenceSeconds * 1000).toISOString();
    const form = this.random.chance(o.providerFormsShare)
      ? this.random.pick(registerId === 2 ? V1_FORMS : V2_FORMS)
      : undefined;
    const spellTime = (iso: string) =>
      form === 'offset' ? writeTimestamp(iso, this.random.pick(OFFSET_SPELLINGS)) : iso;
    const register =
      form === 'register-id-form'
        ? writeInteger(registerId, this.random.pick(['point-zero', 'exponent'] as const))
        : registerId;
    let json: string;
    let value: string;
    let later: { json: string; form: ProviderForm } | undefined;
    if (registerId === 2) {
      this.accumulated[meter] = (this.accumulated[meter] as number) + this.random.int(1, 2000);
      value = thousandthsToDecimal(this.accumulated[meter] as number);
      let systemTime = new Date(t + this.random.int(1, 30_000)).toISOString();
      if (form === 'system-time-fraction') {
        systemTime = writeTimestamp(systemTime, { subMillisDigits: this.random.pick(['456', '456789']) });
      }
      const dataTime = spellTime(time);
      json = membersToJson(v1Members({ dataTime, systemTime, registerId: register, reading: value }));
      if (form === 'resend') {
        const resent = new Date(t + 30_000 + this.random.int(1, 30_000)).toISOString();
        later = { json: membersToJson(v1Members({ dataTime, systemTime: resent, registerId, reading: value })), form };
      } else if (form === 'other-version') {
        later = { json: membersToJson(v2Members({ start, end: time, registerId, value })), form };
      }
    } else {
      value = thousandthsToDecimal(this.random.int(0, 5000));
      json = membersToJson(v2Members({ start: spellTime(start), end: spellTime(time), registerId: register, value }));
    }
    const canonical = normalizeDecimal(value);
    if (!canonical.ok) throw new Error(`simulator made a bad value ${value}: ${canonical.message}`);
    const reading = { pk: seriesKey(o.customerId, meterId(meter), registerId), sk: time, value: canonical.value };
    if (later) {
      this.pending.push({
        dueAt: index + this.random.int(1, o.maxDuplicateDelay),
        message: {
          index,
          topic,
          payload: Buffer.from(later.json, 'utf8'),
          kind: 'duplicate',
          reading,
          form: later.form,
        },
      });
    }
    const first = form === 'resend' || form === 'other-version' ? undefined : form;
    return {
      index,
      topic,
      payload: Buffer.from(json, 'utf8'),
      kind: 'reading',
      reading,
      ...(first ? { form: first } : {}),
    };
  }

  private malformed(index: number): MalformedFeedMessage {
    const o = this.options;
    const serial = ++this.malformedSerial;
    if (this.cycleOrder.length === 0) {
      const cycle = Math.floor((serial - 1) / MALFORMED_REASONS.length);
      const withTooLarge = o.tooLargeEveryCycles > 0 && cycle % o.tooLargeEveryCycles === 0;
      const reasons = MALFORMED_REASONS.map((r) =>
        r === 'too-large' && !withTooLarge ? this.random.pick(MALFORMED_REASONS.filter((x) => x !== 'too-large')) : r,
      );
      this.cycleOrder = shuffle(reasons, this.random);
    }
    const reason = this.cycleOrder.shift() as MalformedReason;
    const meter = this.random.int(0, o.meters - 1);
    const t = this.roundTime(Math.floor(this.slot / (o.meters * o.registers.length)));
    const v1: V1Fields = {
      dataTime: new Date(t).toISOString(),
      systemTime: new Date(t + 1000).toISOString(),
      registerId: 2,
      reading: thousandthsToDecimal(this.random.int(0, 99_999_999)),
    };
    const v2: V2Fields = {
      start: new Date(t - o.cadenceSeconds * 1000).toISOString(),
      end: new Date(t).toISOString(),
      registerId: o.registers.find((r) => r !== 2) ?? 12,
      value: thousandthsToDecimal(this.random.int(1, 5000)),
    };
    const built = buildMalformed(reason, {
      serial,
      customerId: o.customerId,
      subscriptionId: o.subscriptionId,
      meterId: meterId(meter),
      v1,
      v2,
      random: this.random,
    });
    return { index, topic: built.topic, payload: built.payload, kind: 'malformed', reason };
  }
}

function shuffle<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
