/**
 * Command-line flags of the local tools (`npm start`, `npm run simulate`): node:util parseArgs in strict mode, with
 * number checks that name the flag, what was received and what is allowed. A wrong flag is a {@link UsageError}: the
 * CLI prints its one line and exits 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FEED_DEFAULTS, type FeedOptions } from '../simulator/feed';

/** A wrong command line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `argv` strictly; unknown flags, missing values and positionals are a {@link UsageError}. */
export function parseFlags<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(message);
  }
}

/** A number flag, checked against bounds; `undefined` when the flag was not given. */
export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  bounds: { min?: number; max?: number; integer?: boolean } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  const { min = -Infinity, max = Infinity, integer = false } = bounds;
  const kind = integer ? 'an integer' : 'a number';
  const range =
    min > -Infinity && max < Infinity
      ? ` from ${min} to ${max}`
      : min > -Infinity
        ? ` >= ${min}`
        : max < Infinity
          ? ` <= ${max}`
          : '';
  if (
    typeof raw !== 'string' ||
    raw.trim() === '' ||
    !Number.isFinite(n) ||
    (integer && !Number.isInteger(n)) ||
    n < min ||
    n > max
  ) {
    throw new UsageError(`--${name} must be ${kind}${range}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/** A port flag (1-65535). */
export function portFlag(values: Record<string, unknown>, name: string): number | undefined {
  return numberFlag(values, name, { min: 1, max: 65535, integer: true });
}

/** The flags that shape the simulated feed, shared by `npm start` and `npm run simulate`. */
export const FEED_FLAGS = {
  seed: { type: 'string' },
  customer: { type: 'string' },
  subscription: { type: 'string' },
  meters: { type: 'string' },
  registers: { type: 'string' },
  cadence: { type: 'string' },
  'start-time': { type: 'string' },
  duplicates: { type: 'string' },
  malformed: { type: 'string' },
  'provider-forms': { type: 'string' },
} as const satisfies Options;

/**
 * What `npm start` and `npm run simulate` change from {@link FEED_DEFAULTS}: they publish the provider's other forms
 * (offsets, long system-time fractions, `register_id` as `12.0`, re-sends), so a local run covers them; the feed
 * itself leaves them off, so that a seed's feed for the chaos scenarios stays what it was.
 */
export const RUN_FEED_DEFAULTS = { providerFormsShare: 0.05 } as const satisfies Partial<FeedOptions>;

/** Help text of {@link FEED_FLAGS}. */
export const FEED_FLAGS_HELP = `Feed (the simulator):
  --seed N            seed of every random choice; one seed, one feed      (default ${FEED_DEFAULTS.seed})
  --customer ID       customer id in the topics                            (default ${FEED_DEFAULTS.customerId})
  --subscription ID   subscription id in the topics                        (default ${FEED_DEFAULTS.subscriptionId})
  --meters N          number of meters                                     (default ${FEED_DEFAULTS.meters})
  --registers LIST    registers per meter, comma-separated; 2 is v1        (default ${FEED_DEFAULTS.registers.join(',')})
  --cadence S         seconds between two readings of a register           (default ${FEED_DEFAULTS.cadenceSeconds})
  --start-time ISO    end of the first reading interval                    (default ${FEED_DEFAULTS.startTime})
  --duplicates SHARE  share of readings delivered twice, 0..1              (default ${FEED_DEFAULTS.duplicateShare})
  --malformed SHARE   share of malformed messages (every reason), 0..1     (default ${FEED_DEFAULTS.malformedShare})
  --provider-forms SHARE  share of readings in another provider form (offset, long system time, 12.0,
                      re-send, register 2 as v2), 0..1                     (default ${RUN_FEED_DEFAULTS.providerFormsShare})`;

/** The feed options given by {@link FEED_FLAGS}. */
export function feedFromFlags(values: Record<string, unknown>): Partial<FeedOptions> {
  const feed: { -readonly [K in keyof FeedOptions]?: FeedOptions[K] } = { ...RUN_FEED_DEFAULTS };
  const seed = numberFlag(values, 'seed', { integer: true, min: 0, max: 2 ** 32 - 1 });
  if (seed !== undefined) feed.seed = seed;
  const meters = numberFlag(values, 'meters', { integer: true, min: 1, max: 1_000_000 });
  if (meters !== undefined) feed.meters = meters;
  const cadence = numberFlag(values, 'cadence', { integer: true, min: 1, max: 86_400 });
  if (cadence !== undefined) feed.cadenceSeconds = cadence;
  const duplicates = numberFlag(values, 'duplicates', { min: 0, max: 1 });
  if (duplicates !== undefined) feed.duplicateShare = duplicates;
  const malformed = numberFlag(values, 'malformed', { min: 0, max: 1 });
  if (malformed !== undefined) feed.malformedShare = malformed;
  const forms = numberFlag(values, 'provider-forms', { min: 0, max: 1 });
  if (forms !== undefined) feed.providerFormsShare = forms;
  const id = /^[A-Za-z0-9_.-]+$/;
  if (values.customer !== undefined) {
    if (!id.test(String(values.customer)))
      throw new UsageError(`--customer must be letters, digits, '_', '.', '-', got ${JSON.stringify(values.customer)}`);
    feed.customerId = String(values.customer);
  }
  if (values.subscription !== undefined) {
    if (!id.test(String(values.subscription)))
      throw new UsageError(
        `--subscription must be letters, digits, '_', '.', '-', got ${JSON.stringify(values.subscription)}`,
      );
    feed.subscriptionId = String(values.subscription);
  }
  if (values.registers !== undefined) {
    const list = String(values.registers)
      .split(',')
      .map((s) => s.trim());
    const registers = list.map(Number);
    if (
      list.some((s) => !/^[1-9]\d{0,9}$/.test(s)) ||
      registers.some((r) => r > 2147483647) ||
      new Set(registers).size !== registers.length
    ) {
      throw new UsageError(
        `--registers must be distinct positive integers separated by commas, got ${JSON.stringify(values.registers)}`,
      );
    }
    feed.registers = registers;
  }
  if (values['start-time'] !== undefined) {
    const text = String(values['start-time']);
    const t = Date.parse(text);
    if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(text)) {
      throw new UsageError(
        `--start-time must be ISO 8601 UTC like 2026-01-01T00:00:00.000Z, got ${JSON.stringify(text)}`,
      );
    }
    feed.startTime = new Date(t).toISOString();
  }
  return feed;
}
