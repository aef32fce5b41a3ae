/**
 * The app's configuration, read from CDK context (`cdk.json` or `-c key=value`) and validated in one place.
 *
 * {@link parseAppConfig} collects every problem before it stops, one line each naming the context value, what was
 * received and what is allowed, so a deployer fixes them all in one go. Values given with `-c` arrive as strings:
 * numbers and the `feeds` array (JSON text) are accepted in that form too.
 */
import {
  DEFAULT_QUARANTINE_RETENTION_DAYS,
  laneClientIds,
  MAX_LANES,
  SHARED_GROUP_NAME,
  validateSubscriptionFilter,
} from '../core';
import { DEFAULT_ARCHIVE_RETENTION_DAYS, RAW_ARCHIVE_LIMITS } from './raw-archive';

/** One MQTT feed: one bridge service holding one persistent session. */
export interface FeedConfig {
  /** Short name used in resource ids and alarm names: lowercase letters, digits and hyphens. */
  readonly name: string;
  /** `mqtts://host[:port]`; `mqtt://` only for a loopback host. */
  readonly brokerUrl: string;
  /** The broker port, parsed from {@link brokerUrl} (8883 when the URL names none). */
  readonly brokerPort: number;
  /** The fixed MQTT client id of the persistent session; unique across feeds. */
  readonly clientId: string;
  /** Subscription filters, each naming a customer. */
  readonly topics: readonly string[];
  /** Name or ARN of the Secrets Manager secret holding `{"username","password"}`. */
  readonly credentialsSecret: string;
  /** MQTT protocol version, 4 (3.1.1) or 5; unset leaves the bridge's default. */
  readonly protocolVersion?: 4 | 5;
  /**
   * Several sessions for the feed, all held by its one bridge task (see docs/deploy.md, "Lanes"): the feed split by
   * filters, each lane its own (`topics` is then every lane's filters), or one MQTT 5 shared subscription
   * (`$share/<group>/<filter>`) that the broker spreads over `count` sessions. @default - one session
   */
  readonly lanes?: FeedLanes;
}

/** How a feed is split over several sessions. */
export type FeedLanes =
  | { readonly kind: 'filters'; readonly groups: readonly (readonly string[])[] }
  | { readonly kind: 'shared'; readonly group: string; readonly count: number };

/** How many sessions a feed holds. */
export function laneCount(feed: FeedConfig): number {
  return feed.lanes === undefined ? 1 : feed.lanes.kind === 'filters' ? feed.lanes.groups.length : feed.lanes.count;
}

/** Kinesis capacity modes the app supports. */
export type StreamModeName = 'ON_DEMAND' | 'PROVISIONED';

/** How the readings table is billed. */
export type ReadingsCapacityConfig =
  | { readonly mode: 'ON_DEMAND' }
  | {
      readonly mode: 'PROVISIONED';
      readonly minWriteUnits: number;
      readonly maxWriteUnits: number;
      readonly minReadUnits: number;
      readonly maxReadUnits: number;
      readonly targetUtilizationPercent: number;
    };

/** The validated configuration of the whole app. */
export interface AppConfig {
  /** The readings table's capacity: on demand (the default) or provisioned with auto scaling. */
  readonly readingsCapacity: ReadingsCapacityConfig;
  readonly feeds: readonly FeedConfig[];
  readonly alarmEmail?: string;
  readonly alarmTopicArn?: string;
  readonly quarantineRetentionDays: number;
  /** Days the raw archive keeps an object. */
  readonly archiveRetentionDays: number;
  readonly streamMode: StreamModeName;
  readonly shardCount?: number;
  readonly streamRetentionHours: number;
  readonly ingestBatchSize: number;
  readonly ingestMaxBatchingWindowSeconds: number;
  /** Retries of a failing record; -1 retries until the record's maximum age (the default). */
  readonly ingestRetryAttempts: number;
  /** Days the failed-records bucket keeps a batch the event source mapping gave up on. */
  readonly failedRecordsRetentionDays: number;
  readonly noDataAlarmMinutes: number;
  /** How old a reading may be when it reaches the table; the ingest lag alarms derive from it. */
  readonly freshnessTargetSeconds: number;
  readonly vpcId?: string;
}

/** Defaults of every optional context value. */
export const APP_CONFIG_DEFAULTS = {
  quarantineRetentionDays: DEFAULT_QUARANTINE_RETENTION_DAYS,
  archiveRetentionDays: DEFAULT_ARCHIVE_RETENTION_DAYS,
  streamMode: 'ON_DEMAND',
  streamRetentionHours: 24,
  ingestBatchSize: 100,
  ingestMaxBatchingWindowSeconds: 0,
  // Retry until the record's maximum age: Lambda does not back off between stream retries, so a count is used up by
  // a short outage (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html). Only infrastructure faults retry.
  ingestRetryAttempts: -1,
  // A year and a month: long enough to find a loss at a yearly reconciliation and still replay it.
  failedRecordsRetentionDays: 400,
  noDataAlarmMinutes: 30,
  freshnessTargetSeconds: 60,
  readingsCapacity: { mode: 'ON_DEMAND' },
} as const satisfies Partial<AppConfig>;

/** Defaults of the provisioned readings table's context values (`readingsCapacityMode` "PROVISIONED"). */
export const READINGS_CAPACITY_DEFAULTS = {
  readingsMinWriteUnits: 5,
  readingsMinReadUnits: 5,
  readingsMaxReadUnits: 100,
  // DynamoDB's own default for target tracking; a steady feed leaves the 30% headroom for the top of each interval.
  readingsTargetUtilizationPercent: 70,
} as const;

/** Limits of the numeric context values (inclusive), from the platform's own limits where it has them. */
export const APP_CONFIG_LIMITS = {
  quarantineRetentionDays: { min: 1, max: 3650 },
  archiveRetentionDays: RAW_ARCHIVE_LIMITS.retentionDays,
  shardCount: { min: 1, max: 500 },
  // Kinesis: 24 hours to 365 days.
  streamRetentionHours: { min: 24, max: 8760 },
  // Lambda event source mapping for Kinesis: BatchSize 1..10000, MaximumBatchingWindowInSeconds 0..300.
  ingestBatchSize: { min: 1, max: 10000 },
  ingestMaxBatchingWindowSeconds: { min: 0, max: 300 },
  // MaximumRetryAttempts: -1 (until the record's maximum age, which this app always bounds) or 0..10000
  // (https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html).
  ingestRetryAttempts: { min: -1, max: 10000 },
  // S3 lifecycle expiration: at least one day; ten years at most, like the quarantine.
  failedRecordsRetentionDays: { min: 1, max: 3650 },
  // An alarm's period times its evaluation periods may not exceed one day.
  noDataAlarmMinutes: { min: 1, max: 1440 },
  // At least one IteratorAge datapoint (1 minute); at most 1 hour, so the critical lag (5 times it) stays far inside
  // the shortest stream retention (24 hours).
  freshnessTargetSeconds: { min: 10, max: 3600 },
  // Provisioned capacity units (DynamoDB allows up to 40,000 per table by default, a raisable quota), and the target
  // utilisation App Auto Scaling accepts for DynamoDB: 20 to 90 percent
  // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/AutoScaling.html).
  readingsWriteUnits: { min: 1, max: 40000 },
  readingsReadUnits: { min: 1, max: 40000 },
  readingsTargetUtilizationPercent: { min: 20, max: 90 },
} as const;

/** The context keys this app reads. */
export const CONTEXT_KEYS = [
  'feeds',
  'alarmEmail',
  'alarmTopicArn',
  'quarantineRetentionDays',
  'archiveRetentionDays',
  'streamMode',
  'shardCount',
  'streamRetentionHours',
  'ingestBatchSize',
  'ingestMaxBatchingWindowSeconds',
  'ingestRetryAttempts',
  'failedRecordsRetentionDays',
  'noDataAlarmMinutes',
  'freshnessTargetSeconds',
  'readingsCapacityMode',
  'readingsMinWriteUnits',
  'readingsMaxWriteUnits',
  'readingsMinReadUnits',
  'readingsMaxReadUnits',
  'readingsTargetUtilizationPercent',
  'vpcId',
] as const;

/** One of {@link CONTEXT_KEYS}. */
export type ContextKey = (typeof CONTEXT_KEYS)[number];

const FEED_KEYS = [
  'name',
  'brokerUrl',
  'clientId',
  'topics',
  'credentialsSecret',
  'protocolVersion',
  'lanes',
  'sharedGroup',
] as const;

/** The context is wrong: every problem found, one line each. */
export class AppConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'AppConfigError';
  }
}

const FEED_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$|^[a-z]$/;
// Printable ASCII without spaces: the client id is also a CloudWatch dimension value and appears in logs.
const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const VPC_ID = /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Renders a received value for an error line, short enough to read. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** A feed name as a PascalCase construct id part: `feed-a` -> `FeedA`. */
export function feedConstructId(name: string): string {
  return name
    .split('-')
    .filter((part) => part.length > 0)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** True when the host of a URL is a loopback address (where plain `mqtt://` is acceptable). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

class Problems {
  readonly lines: string[] = [];
  add(path: string, received: unknown, allowed: string): void {
    this.lines.push(`${path}: got ${show(received)}; ${allowed}`);
  }
}

function readInteger(
  problems: Problems,
  key: string,
  raw: unknown,
  limits: { readonly min: number; readonly max: number },
  fallback: number,
): number;
function readInteger(
  problems: Problems,
  key: string,
  raw: unknown,
  limits: { readonly min: number; readonly max: number },
  fallback: undefined,
): number | undefined;
function readInteger(
  problems: Problems,
  key: string,
  raw: unknown,
  limits: { readonly min: number; readonly max: number },
  fallback: number | undefined,
): number | undefined {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < limits.min || n > limits.max) {
    problems.add(key, raw, `allowed: a whole number from ${limits.min} to ${limits.max}`);
    return fallback;
  }
  return n;
}

function readOptionalString(problems: Problems, key: string, raw: unknown): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') {
    problems.add(key, raw, 'allowed: a string');
    return undefined;
  }
  return raw;
}

function parseBrokerUrl(problems: Problems, path: string, raw: unknown): { url: string; port: number } | undefined {
  if (typeof raw !== 'string' || raw.length === 0) {
    problems.add(path, raw, 'allowed: a broker URL such as "mqtts://broker.example.com:8883"');
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.add(path, raw, 'allowed: a broker URL such as "mqtts://broker.example.com:8883"');
    return undefined;
  }
  if (url.protocol !== 'mqtts:' && url.protocol !== 'mqtt:') {
    problems.add(path, raw, 'allowed: an mqtts:// URL (mqtt:// only for a loopback host)');
    return undefined;
  }
  if (url.protocol === 'mqtt:' && !isLoopbackHost(url.hostname)) {
    problems.add(
      path,
      raw,
      'allowed: mqtts:// for a non-loopback host; plain mqtt:// would send the feed credentials unencrypted',
    );
    return undefined;
  }
  if (url.username || url.password) {
    problems.add(path, '<a URL with credentials>', 'allowed: a URL without credentials; put them in the secret');
    return undefined;
  }
  if (url.pathname !== '' && url.pathname !== '/') {
    problems.add(path, raw, 'allowed: a URL without a path ("mqtts://host[:port]")');
    return undefined;
  }
  const port = url.port === '' ? (url.protocol === 'mqtts:' ? 8883 : 1883) : Number(url.port);
  return { url: raw, port };
}

function parseFeed(problems: Problems, path: string, raw: unknown): FeedConfig | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.add(path, raw, `allowed: an object with ${FEED_KEYS.join(', ')}`);
    return undefined;
  }
  const feed = raw as Record<string, unknown>;
  const before = problems.lines.length;
  for (const key of Object.keys(feed)) {
    if (!(FEED_KEYS as readonly string[]).includes(key)) {
      problems.add(`${path}.${key}`, feed[key], `unknown key; allowed keys: ${FEED_KEYS.join(', ')}`);
    }
  }
  const { name, clientId, topics, credentialsSecret, protocolVersion } = feed;
  if (typeof name !== 'string' || !FEED_NAME.test(name)) {
    problems.add(
      `${path}.name`,
      name,
      'allowed: 1 to 32 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
    );
  }
  const broker = parseBrokerUrl(problems, `${path}.brokerUrl`, feed.brokerUrl);
  if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId)) {
    problems.add(`${path}.clientId`, clientId, 'allowed: 1 to 128 printable ASCII characters without spaces');
  }
  const lanes = parseLanes(problems, path, feed);
  const filters: string[] = [];
  // lanes as filter groups (valid or not): every lane names its own filters, so topics is not read
  if (feed.lanes !== undefined && feed.sharedGroup === undefined) {
    if (topics !== undefined) {
      problems.add(`${path}.topics`, topics, 'not allowed with lanes given as filter groups: every lane names its own');
    }
    for (const group of lanes?.kind === 'filters' ? lanes.groups : []) filters.push(...group);
  } else {
    filters.push(...parseFilters(problems, `${path}.topics`, topics, []));
  }
  if (
    typeof credentialsSecret !== 'string' ||
    !(SECRET_NAME.test(credentialsSecret) || SECRET_ARN.test(credentialsSecret))
  ) {
    problems.add(
      `${path}.credentialsSecret`,
      credentialsSecret,
      'allowed: a Secrets Manager secret name (letters, digits, /_+=.@-) or its ARN',
    );
  }
  let version: 4 | 5 | undefined;
  if (protocolVersion !== undefined) {
    const v = typeof protocolVersion === 'string' ? Number(protocolVersion) : protocolVersion;
    if (v === 4 || v === 5) version = v;
    else problems.add(`${path}.protocolVersion`, protocolVersion, 'allowed: 4 (MQTT 3.1.1) or 5 (MQTT 5)');
  }
  if (lanes?.kind === 'shared' && version !== 5) {
    problems.add(
      `${path}.protocolVersion`,
      protocolVersion,
      'allowed: 5 with sharedGroup (a shared subscription, $share/<group>/<filter>, is MQTT 5)',
    );
  }
  if (problems.lines.length > before || broker === undefined) return undefined;
  return {
    name: name as string,
    brokerUrl: broker.url,
    brokerPort: broker.port,
    clientId: clientId as string,
    topics: filters,
    credentialsSecret: credentialsSecret as string,
    ...(version === undefined ? {} : { protocolVersion: version }),
    ...(lanes === undefined ? {} : { lanes }),
  };
}

/**
 * A non-empty list of subscription filters at `path`, each valid, without commas and new (`seen` holds the filters
 * of the feed's other lanes); the ones that pass.
 */
function parseFilters(problems: Problems, path: string, raw: unknown, seen: string[]): string[] {
  const filters: string[] = [];
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.add(path, raw, 'allowed: a non-empty array of subscription filters');
    return filters;
  }
  raw.forEach((topic: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof topic !== 'string') {
      problems.add(at, topic, 'allowed: a subscription filter string');
      return;
    }
    if (topic.includes(',') || topic.includes(';')) {
      problems.add(at, topic, 'allowed: a filter without "," or ";" (the bridge reads its filter lists split on them)');
      return;
    }
    const result = validateSubscriptionFilter(topic);
    if (!result.ok) {
      problems.add(at, topic, `not allowed: ${result.message}`);
      return;
    }
    if (filters.includes(topic) || seen.includes(topic)) {
      problems.add(at, topic, 'allowed: each filter once in a feed (a filter in two lanes would deliver twice)');
      return;
    }
    filters.push(topic);
  });
  return filters;
}

/** A feed's `lanes` (and `sharedGroup`): undefined for one session. */
function parseLanes(problems: Problems, path: string, feed: Record<string, unknown>): FeedLanes | undefined {
  const { lanes, sharedGroup } = feed;
  const range = `2 to ${MAX_LANES}`;
  if (sharedGroup !== undefined) {
    if (typeof sharedGroup !== 'string' || !SHARED_GROUP_NAME.test(sharedGroup)) {
      problems.add(`${path}.sharedGroup`, sharedGroup, 'allowed: 1 to 64 characters of A-Z a-z 0-9 _ . -');
      return undefined;
    }
    const count = typeof lanes === 'string' ? Number(lanes) : lanes;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 2 || count > MAX_LANES) {
      problems.add(`${path}.lanes`, lanes, `allowed with sharedGroup: the number of sessions sharing it, ${range}`);
      return undefined;
    }
    return { kind: 'shared', group: sharedGroup, count };
  }
  if (lanes === undefined) return undefined;
  if (!Array.isArray(lanes) || lanes.length < 2 || lanes.length > MAX_LANES) {
    problems.add(
      `${path}.lanes`,
      lanes,
      `allowed: ${range} arrays of filters, one per session (or a number of sessions with sharedGroup)`,
    );
    return undefined;
  }
  const seen: string[] = [];
  const groups = lanes.map((group: unknown, i) => {
    const filters = parseFilters(problems, `${path}.lanes[${i}]`, group, seen);
    seen.push(...filters);
    return filters;
  });
  return { kind: 'filters', groups };
}

function parseFeeds(problems: Problems, raw: unknown): FeedConfig[] {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      problems.add('feeds', raw, 'allowed: a JSON array of feeds (with -c, quote the JSON text)');
      return [];
    }
  }
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(
      'feeds',
      value,
      'allowed: a non-empty array of {name, brokerUrl, clientId, topics, credentialsSecret} (see docs/deploy.md)',
    );
    return [];
  }
  const feeds: FeedConfig[] = [];
  const byName = new Map<string, number>();
  const byConstructId = new Map<string, number>();
  const byClientId = new Map<string, number>();
  value.forEach((item: unknown, i) => {
    const feed = parseFeed(problems, `feeds[${i}]`, item);
    if (feed === undefined) return;
    const sameName = byName.get(feed.name);
    if (sameName !== undefined) {
      problems.add(`feeds[${i}].name`, feed.name, `already used by feeds[${sameName}]; each feed needs its own name`);
      return;
    }
    const sameId = byConstructId.get(feedConstructId(feed.name));
    if (sameId !== undefined) {
      problems.add(
        `feeds[${i}].name`,
        feed.name,
        `reads the same as feeds[${sameId}] once hyphens are dropped; choose names that differ in letters or digits`,
      );
      return;
    }
    const sessions = laneClientIds(feed.clientId, laneCount(feed));
    const clash = sessions.find((id) => byClientId.has(id));
    if (clash !== undefined) {
      problems.add(
        `feeds[${i}].clientId`,
        feed.clientId,
        `its session ${JSON.stringify(clash)} is already used by feeds[${byClientId.get(clash)}]; each session needs its own client id (two sessions with one client id kick each other off the broker; a feed of n lanes uses <clientId>-1 to -n)`,
      );
      return;
    }
    byName.set(feed.name, i);
    byConstructId.set(feedConstructId(feed.name), i);
    for (const id of sessions) byClientId.set(id, i);
    feeds.push(feed);
  });
  return feeds;
}

/**
 * Reads and validates the app's context. `read` returns the raw context value of a key (`app.node.tryGetContext`).
 * Throws {@link AppConfigError} with every problem found.
 */
export function parseAppConfig(read: (key: ContextKey) => unknown): AppConfig {
  const problems = new Problems();
  const limits = APP_CONFIG_LIMITS;
  const defaults = APP_CONFIG_DEFAULTS;

  const feeds = parseFeeds(problems, read('feeds'));

  const alarmEmail = readOptionalString(problems, 'alarmEmail', read('alarmEmail'));
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    problems.add('alarmEmail', alarmEmail, 'allowed: an e-mail address');
  }
  const alarmTopicArn = readOptionalString(problems, 'alarmTopicArn', read('alarmTopicArn'));
  if (alarmTopicArn !== undefined && !TOPIC_ARN.test(alarmTopicArn)) {
    problems.add('alarmTopicArn', alarmTopicArn, 'allowed: an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)');
  }
  if (alarmEmail !== undefined && alarmTopicArn !== undefined) {
    problems.add(
      'alarmEmail',
      alarmEmail,
      'allowed: alarmEmail or alarmTopicArn, not both (subscribe the address to your own topic instead)',
    );
  }

  const quarantineRetentionDays = readInteger(
    problems,
    'quarantineRetentionDays',
    read('quarantineRetentionDays'),
    limits.quarantineRetentionDays,
    defaults.quarantineRetentionDays,
  );
  const archiveRetentionDays = readInteger(
    problems,
    'archiveRetentionDays',
    read('archiveRetentionDays'),
    limits.archiveRetentionDays,
    defaults.archiveRetentionDays,
  );

  const rawMode = read('streamMode');
  let streamMode: StreamModeName = defaults.streamMode;
  if (rawMode !== undefined && rawMode !== null && rawMode !== '') {
    if (rawMode === 'ON_DEMAND' || rawMode === 'PROVISIONED') streamMode = rawMode;
    else problems.add('streamMode', rawMode, 'allowed: "ON_DEMAND" or "PROVISIONED"');
  }
  const rawShards = read('shardCount');
  const shardCount = readInteger(problems, 'shardCount', rawShards, limits.shardCount, undefined);
  if (streamMode === 'PROVISIONED' && shardCount === undefined && (rawShards === undefined || rawShards === '')) {
    problems.add('shardCount', rawShards, 'required with streamMode "PROVISIONED": a whole number from 1 to 500');
  }
  if (streamMode === 'ON_DEMAND' && shardCount !== undefined) {
    problems.add('shardCount', rawShards, 'allowed only with streamMode "PROVISIONED" (on-demand streams scale alone)');
  }

  const streamRetentionHours = readInteger(
    problems,
    'streamRetentionHours',
    read('streamRetentionHours'),
    limits.streamRetentionHours,
    defaults.streamRetentionHours,
  );
  const ingestBatchSize = readInteger(
    problems,
    'ingestBatchSize',
    read('ingestBatchSize'),
    limits.ingestBatchSize,
    defaults.ingestBatchSize,
  );
  const ingestMaxBatchingWindowSeconds = readInteger(
    problems,
    'ingestMaxBatchingWindowSeconds',
    read('ingestMaxBatchingWindowSeconds'),
    limits.ingestMaxBatchingWindowSeconds,
    defaults.ingestMaxBatchingWindowSeconds,
  );
  const ingestRetryAttempts = readInteger(
    problems,
    'ingestRetryAttempts',
    read('ingestRetryAttempts'),
    limits.ingestRetryAttempts,
    defaults.ingestRetryAttempts,
  );
  const failedRecordsRetentionDays = readInteger(
    problems,
    'failedRecordsRetentionDays',
    read('failedRecordsRetentionDays'),
    limits.failedRecordsRetentionDays,
    defaults.failedRecordsRetentionDays,
  );
  const noDataAlarmMinutes = readInteger(
    problems,
    'noDataAlarmMinutes',
    read('noDataAlarmMinutes'),
    limits.noDataAlarmMinutes,
    defaults.noDataAlarmMinutes,
  );
  const freshnessTargetSeconds = readInteger(
    problems,
    'freshnessTargetSeconds',
    read('freshnessTargetSeconds'),
    limits.freshnessTargetSeconds,
    defaults.freshnessTargetSeconds,
  );
  const readingsCapacity = parseReadingsCapacity(problems, read);
  const vpcId = readOptionalString(problems, 'vpcId', read('vpcId'));
  if (vpcId !== undefined && !VPC_ID.test(vpcId)) {
    problems.add('vpcId', vpcId, 'allowed: a VPC id such as "vpc-0123456789abcdef0"');
  }

  if (problems.lines.length > 0) throw new AppConfigError(problems.lines);
  return {
    feeds,
    readingsCapacity,
    ...(alarmEmail === undefined ? {} : { alarmEmail }),
    ...(alarmTopicArn === undefined ? {} : { alarmTopicArn }),
    quarantineRetentionDays,
    archiveRetentionDays,
    streamMode,
    ...(shardCount === undefined ? {} : { shardCount }),
    streamRetentionHours,
    ingestBatchSize,
    ingestMaxBatchingWindowSeconds,
    ingestRetryAttempts,
    failedRecordsRetentionDays,
    noDataAlarmMinutes,
    freshnessTargetSeconds,
    ...(vpcId === undefined ? {} : { vpcId }),
  };
}

const CAPACITY_KEYS = [
  'readingsMinWriteUnits',
  'readingsMaxWriteUnits',
  'readingsMinReadUnits',
  'readingsMaxReadUnits',
  'readingsTargetUtilizationPercent',
] as const;

/** The readings table's capacity mode and, when provisioned, its auto scaling bounds. */
function parseReadingsCapacity(problems: Problems, read: (key: ContextKey) => unknown): ReadingsCapacityConfig {
  const defaults = READINGS_CAPACITY_DEFAULTS;
  const limits = APP_CONFIG_LIMITS;
  const rawMode = read('readingsCapacityMode');
  let mode: ReadingsCapacityConfig['mode'] = 'ON_DEMAND';
  if (rawMode !== undefined && rawMode !== null && rawMode !== '') {
    if (rawMode === 'ON_DEMAND' || rawMode === 'PROVISIONED') mode = rawMode;
    else problems.add('readingsCapacityMode', rawMode, 'allowed: "ON_DEMAND" or "PROVISIONED"');
  }
  if (mode === 'ON_DEMAND') {
    for (const key of CAPACITY_KEYS) {
      const raw = read(key);
      if (raw !== undefined && raw !== null && raw !== '') {
        problems.add(key, raw, 'allowed only with readingsCapacityMode "PROVISIONED" (on demand scales alone)');
      }
    }
    return { mode: 'ON_DEMAND' };
  }
  const units = (key: (typeof CAPACITY_KEYS)[number], limit: { min: number; max: number }, fallback?: number) =>
    fallback === undefined
      ? readInteger(problems, key, read(key), limit, undefined)
      : readInteger(problems, key, read(key), limit, fallback);
  const minWriteUnits = units('readingsMinWriteUnits', limits.readingsWriteUnits, defaults.readingsMinWriteUnits)!;
  const maxWriteUnits = units('readingsMaxWriteUnits', limits.readingsWriteUnits);
  const minReadUnits = units('readingsMinReadUnits', limits.readingsReadUnits, defaults.readingsMinReadUnits)!;
  const maxReadUnits = units('readingsMaxReadUnits', limits.readingsReadUnits, defaults.readingsMaxReadUnits)!;
  const targetUtilizationPercent = units(
    'readingsTargetUtilizationPercent',
    limits.readingsTargetUtilizationPercent,
    defaults.readingsTargetUtilizationPercent,
  )!;
  if (maxWriteUnits === undefined) {
    const raw = read('readingsMaxWriteUnits');
    if (raw === undefined || raw === null || raw === '') {
      problems.add(
        'readingsMaxWriteUnits',
        raw,
        'required with readingsCapacityMode "PROVISIONED": the most write units auto scaling may set (a whole number from 1 to 40000; size it from docs/cost.md)',
      );
    }
    return {
      mode: 'PROVISIONED',
      minWriteUnits,
      maxWriteUnits: minWriteUnits,
      minReadUnits,
      maxReadUnits,
      targetUtilizationPercent,
    };
  }
  if (minWriteUnits > maxWriteUnits) {
    problems.add('readingsMinWriteUnits', minWriteUnits, `allowed: at most readingsMaxWriteUnits (${maxWriteUnits})`);
  }
  if (minReadUnits > maxReadUnits) {
    problems.add('readingsMinReadUnits', minReadUnits, `allowed: at most readingsMaxReadUnits (${maxReadUnits})`);
  }
  return { mode: 'PROVISIONED', minWriteUnits, maxWriteUnits, minReadUnits, maxReadUnits, targetUtilizationPercent };
}
