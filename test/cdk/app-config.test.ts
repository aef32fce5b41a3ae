/** Context validation: every bad value stops synth with one line naming it, what was received and what is allowed. */
import { APP_CONFIG_DEFAULTS, AppConfigError, feedConstructId, laneCount, parseAppConfig } from '../../lib/app-config';
import { EXAMPLE_CONTEXT } from './support/pipeline';

const feed = (overrides: Record<string, unknown> = {}) => ({
  name: 'feed-a',
  brokerUrl: 'mqtts://mqtt.example.com:8883',
  clientId: 'example-bridge-feed-a',
  topics: ['meters/outbound/example-customer-a/#'],
  credentialsSecret: 'meter-bridge/feed-a',
  ...overrides,
});
const feedB = (overrides: Record<string, unknown> = {}) =>
  feed({ name: 'feed-b', clientId: 'example-bridge-feed-b', credentialsSecret: 'meter-bridge/feed-b', ...overrides });

function parse(context: Record<string, unknown>) {
  return parseAppConfig((key) => context[key]);
}

/** The problem lines for a context, or [] when it is valid. */
function problems(context: Record<string, unknown>): readonly string[] {
  try {
    parse(context);
    return [];
  } catch (error) {
    if (error instanceof AppConfigError) return error.problems;
    throw error;
  }
}

describe('app config', () => {
  it('reads the example feeds of cdk.json with every default', () => {
    const config = parse({ ...EXAMPLE_CONTEXT });
    expect(config.feeds.map((f) => f.name)).toEqual(['feed-a', 'feed-b']);
    expect(config).toMatchObject(APP_CONFIG_DEFAULTS);
    expect(config.feeds[0]).toMatchObject({ brokerPort: 8883 });
    expect(config.alarmEmail).toBeUndefined();
    expect(config.vpcId).toBeUndefined();
  });

  it('accepts -c values, which arrive as strings: feeds as JSON text and numbers', () => {
    const config = parse({
      feeds: JSON.stringify([feed()]),
      ingestBatchSize: '250',
      streamMode: 'PROVISIONED',
      shardCount: '3',
      noDataAlarmMinutes: '45',
      freshnessTargetSeconds: '120',
    });
    expect(config).toMatchObject({
      freshnessTargetSeconds: 120,
      ingestBatchSize: 250,
      streamMode: 'PROVISIONED',
      shardCount: 3,
      noDataAlarmMinutes: 45,
    });
  });

  it('reads a provisioned readings table with auto scaling bounds, defaults filled in', () => {
    const config = parse({ ...EXAMPLE_CONTEXT, readingsCapacityMode: 'PROVISIONED', readingsMaxWriteUnits: '2500' });
    expect(config.readingsCapacity).toEqual({
      mode: 'PROVISIONED',
      minWriteUnits: 5,
      maxWriteUnits: 2500,
      minReadUnits: 5,
      maxReadUnits: 100,
      targetUtilizationPercent: 70,
    });
  });

  it('takes the broker port from the URL, 8883 when it names none, and the protocol version', () => {
    const config = parse({
      feeds: [
        feed({ brokerUrl: 'mqtts://b.example.com', protocolVersion: 5 }),
        feedB({ brokerUrl: 'mqtts://b.example.com:443' }),
      ],
    });
    expect(config.feeds.map((f) => [f.brokerPort, f.protocolVersion])).toEqual([
      [8883, 5],
      [443, undefined],
    ]);
  });

  it('accepts plain mqtt:// to a loopback host (local runs)', () => {
    expect(problems({ feeds: [feed({ brokerUrl: 'mqtt://127.0.0.1:1883' })] })).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no feeds at all', { feeds: undefined }, 'feeds: got nothing; allowed: a non-empty array of'],
    ['an empty feeds array', { feeds: [] }, 'feeds: got []; allowed: a non-empty array of'],
    ['feeds that are not JSON', { feeds: '[{' }, 'feeds: got "[{"; allowed: a JSON array of feeds'],
    ['a feed that is not an object', { feeds: ['feed-a'] }, 'feeds[0]: got "feed-a"; allowed: an object with'],
    [
      'a bad feed name',
      { feeds: [feed({ name: 'Feed A' })] },
      'feeds[0].name: got "Feed A"; allowed: 1 to 32 lowercase',
    ],
    ['a feed name ending in a hyphen', { feeds: [feed({ name: 'feed-' })] }, 'feeds[0].name: got "feed-"'],
    [
      'a root wildcard topic filter',
      { feeds: [feed({ topics: ['#'] })] },
      'feeds[0].topics[0]: got "#"; not allowed: subscription filter "#" must start with "meters/outbound/<customer-id>"',
    ],
    [
      'a wildcard at the customer level',
      { feeds: [feed({ topics: ['meters/outbound/+/#'] })] },
      'feeds[0].topics[0]: got "meters/outbound/+/#"; not allowed: subscription filter "meters/outbound/+/#" must name a customer',
    ],
    ['no topics', { feeds: [feed({ topics: [] })] }, 'feeds[0].topics: got []; allowed: a non-empty array'],
    [
      'a topic with a comma',
      { feeds: [feed({ topics: ['meters/outbound/a,b/#'] })] },
      'feeds[0].topics[0]: got "meters/outbound/a,b/#"; allowed: a filter without "," or ";"',
    ],
    [
      'a client id used by two feeds',
      { feeds: [feed(), feedB({ clientId: 'example-bridge-feed-a' })] },
      'feeds[1].clientId: got "example-bridge-feed-a"; its session "example-bridge-feed-a" is already used by feeds[0]; each session needs its own client id',
    ],
    [
      "a client id that is another feed's lane",
      {
        feeds: [
          feed({ sharedGroup: 'g', lanes: 2, protocolVersion: 5 }),
          feedB({ clientId: 'example-bridge-feed-a-2' }),
        ],
      },
      'feeds[1].clientId: got "example-bridge-feed-a-2"; its session "example-bridge-feed-a-2" is already used by feeds[0]',
    ],
    [
      'one lane only',
      { feeds: [feed({ topics: undefined, lanes: [['meters/outbound/a/#']] })] },
      'feeds[0].lanes: got [["meters/outbound/a/#"]]; allowed: 2 to 16 arrays of filters, one per session',
    ],
    [
      'seventeen lanes',
      {
        feeds: [feed({ topics: undefined, lanes: Array.from({ length: 17 }, (_, i) => [`meters/outbound/c${i}/#`]) })],
      },
      'feeds[0].lanes: got [["meters/outbound/c0/#"],',
    ],
    [
      'lanes beside topics',
      { feeds: [feed({ lanes: [['meters/outbound/a/#'], ['meters/outbound/b/#']] })] },
      'feeds[0].topics: got ["meters/outbound/example-customer-a/#"]; not allowed with lanes given as filter groups',
    ],
    [
      'a filter in two lanes',
      { feeds: [feed({ topics: undefined, lanes: [['meters/outbound/a/#'], ['meters/outbound/a/#']] })] },
      'feeds[0].lanes[1][0]: got "meters/outbound/a/#"; allowed: each filter once in a feed',
    ],
    [
      "a lane's filter outside a customer",
      { feeds: [feed({ topics: undefined, lanes: [['meters/outbound/a/#'], ['#']] })] },
      'feeds[0].lanes[1][0]: got "#"; not allowed: subscription filter "#" must start with',
    ],
    [
      'an empty lane',
      { feeds: [feed({ topics: undefined, lanes: [['meters/outbound/a/#'], []] })] },
      'feeds[0].lanes[1]: got []; allowed: a non-empty array of subscription filters',
    ],
    [
      'a shared group without a number of lanes',
      { feeds: [feed({ sharedGroup: 'bridge', protocolVersion: 5 })] },
      'feeds[0].lanes: got nothing; allowed with sharedGroup: the number of sessions sharing it, 2 to 16',
    ],
    [
      'a shared group on MQTT 3.1.1',
      { feeds: [feed({ sharedGroup: 'bridge', lanes: 4 })] },
      'feeds[0].protocolVersion: got nothing; allowed: 5 with sharedGroup',
    ],
    [
      'a shared group name with a slash',
      { feeds: [feed({ sharedGroup: 'a/b', lanes: 4, protocolVersion: 5 })] },
      'feeds[0].sharedGroup: got "a/b"; allowed: 1 to 64 characters',
    ],
    [
      'a feed name used twice',
      { feeds: [feed(), feedB({ name: 'feed-a' })] },
      'feeds[1].name: got "feed-a"; already used by feeds[0]',
    ],
    [
      'two names that make the same construct id',
      { feeds: [feed({ name: 'a-1b' }), feedB({ name: 'a1b' })] },
      'feeds[1].name: got "a1b"; reads the same as feeds[0]',
    ],
    ['a client id with a space', { feeds: [feed({ clientId: 'my client' })] }, 'feeds[0].clientId: got "my client"'],
    [
      'plain mqtt:// to a remote broker',
      { feeds: [feed({ brokerUrl: 'mqtt://mqtt.example.com:1883' })] },
      'feeds[0].brokerUrl: got "mqtt://mqtt.example.com:1883"; allowed: mqtts:// for a non-loopback host',
    ],
    [
      'a websocket URL',
      { feeds: [feed({ brokerUrl: 'wss://mqtt.example.com' })] },
      'feeds[0].brokerUrl: got "wss://mqtt.example.com"; allowed: an mqtts:// URL',
    ],
    [
      'a URL that is no URL',
      { feeds: [feed({ brokerUrl: 'mqtt.example.com' })] },
      'feeds[0].brokerUrl: got "mqtt.example.com"',
    ],
    [
      'credentials in the URL',
      { feeds: [feed({ brokerUrl: 'mqtts://user:pw@mqtt.example.com' })] },
      'feeds[0].brokerUrl: got "<a URL with credentials>"; allowed: a URL without credentials',
    ],
    [
      'a bad secret name',
      { feeds: [feed({ credentialsSecret: 'my secret!' })] },
      'feeds[0].credentialsSecret: got "my secret!"; allowed: a Secrets Manager secret name',
    ],
    ['an unknown feed key', { feeds: [feed({ topic: 'x' })] }, 'feeds[0].topic: got "x"; unknown key; allowed keys:'],
    [
      'a bad protocol version',
      { feeds: [feed({ protocolVersion: 3 })] },
      'feeds[0].protocolVersion: got 3; allowed: 4',
    ],
    ['a batch size of 0', { ingestBatchSize: 0 }, 'ingestBatchSize: got 0; allowed: a whole number from 1 to 10000'],
    [
      'a batch size over 10000',
      { ingestBatchSize: 10001 },
      'ingestBatchSize: got 10001; allowed: a whole number from 1 to 10000',
    ],
    ['a batch size that is text', { ingestBatchSize: 'many' }, 'ingestBatchSize: got "many"; allowed: a whole number'],
    [
      'a batching window over 300 s',
      { ingestMaxBatchingWindowSeconds: 301 },
      'ingestMaxBatchingWindowSeconds: got 301; allowed: a whole number from 0 to 300',
    ],
    [
      'retries below -1',
      { ingestRetryAttempts: -2 },
      'ingestRetryAttempts: got -2; allowed: a whole number from -1 to 10000',
    ],
    [
      'a failed-records retention of 0 days',
      { failedRecordsRetentionDays: 0 },
      'failedRecordsRetentionDays: got 0; allowed: a whole number from 1 to 3650',
    ],
    [
      'a stream retention under a day',
      { streamRetentionHours: 12 },
      'streamRetentionHours: got 12; allowed: a whole number from 24',
    ],
    ['an unknown stream mode', { streamMode: 'FAST' }, 'streamMode: got "FAST"; allowed: "ON_DEMAND" or "PROVISIONED"'],
    [
      'a provisioned stream without shards',
      { streamMode: 'PROVISIONED' },
      'shardCount: got nothing; required with streamMode "PROVISIONED"',
    ],
    [
      'shards on an on-demand stream',
      { shardCount: 2 },
      'shardCount: got 2; allowed only with streamMode "PROVISIONED"',
    ],
    [
      'an unknown readings capacity mode',
      { readingsCapacityMode: 'CHEAP' },
      'readingsCapacityMode: got "CHEAP"; allowed: "ON_DEMAND" or "PROVISIONED"',
    ],
    [
      'a provisioned readings table without a write ceiling',
      { readingsCapacityMode: 'PROVISIONED' },
      'readingsMaxWriteUnits: got nothing; required with readingsCapacityMode "PROVISIONED"',
    ],
    [
      'write units on an on-demand readings table',
      { readingsMaxWriteUnits: 100 },
      'readingsMaxWriteUnits: got 100; allowed only with readingsCapacityMode "PROVISIONED"',
    ],
    [
      'a target utilisation auto scaling does not accept',
      { readingsCapacityMode: 'PROVISIONED', readingsMaxWriteUnits: 100, readingsTargetUtilizationPercent: 95 },
      'readingsTargetUtilizationPercent: got 95; allowed: a whole number from 20 to 90',
    ],
    [
      'a write floor above the ceiling',
      { readingsCapacityMode: 'PROVISIONED', readingsMaxWriteUnits: 10, readingsMinWriteUnits: 50 },
      'readingsMinWriteUnits: got 50; allowed: at most readingsMaxWriteUnits (10)',
    ],
    [
      'a retention of 0 days',
      { quarantineRetentionDays: 0 },
      'quarantineRetentionDays: got 0; allowed: a whole number from 1 to 3650',
    ],
    [
      'a no-data period over a day',
      { noDataAlarmMinutes: 1441 },
      'noDataAlarmMinutes: got 1441; allowed: a whole number from 1 to 1440',
    ],
    [
      'a freshness target under 10 s',
      { freshnessTargetSeconds: 5 },
      'freshnessTargetSeconds: got 5; allowed: a whole number from 10 to 3600',
    ],
    ['a bad e-mail address', { alarmEmail: 'ops' }, 'alarmEmail: got "ops"; allowed: an e-mail address'],
    ['a bad topic ARN', { alarmTopicArn: 'ops-alarms' }, 'alarmTopicArn: got "ops-alarms"; allowed: an SNS topic ARN'],
    [
      'both an e-mail address and a topic',
      { alarmEmail: 'ops@example.com', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops' },
      'alarmEmail: got "ops@example.com"; allowed: alarmEmail or alarmTopicArn, not both',
    ],
    ['a bad VPC id', { vpcId: 'my-vpc' }, 'vpcId: got "my-vpc"; allowed: a VPC id'],
  ])('fails with %s', (_name, overrides, expected) => {
    const context = { feeds: [feed(), feedB()], ...overrides };
    const lines = problems(context);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(expected);
  });

  it.each<[string, Record<string, unknown>, unknown, number]>([
    [
      'split by filters',
      {
        topics: undefined,
        lanes: [['meters/outbound/a/sub-1/#'], ['meters/outbound/a/sub-2/#', 'meters/outbound/b/#']],
      },
      {
        kind: 'filters',
        groups: [['meters/outbound/a/sub-1/#'], ['meters/outbound/a/sub-2/#', 'meters/outbound/b/#']],
      },
      2,
    ],
    [
      'one shared subscription (-c text)',
      { sharedGroup: 'meter-bridge', lanes: '4', protocolVersion: '5' },
      { kind: 'shared', group: 'meter-bridge', count: 4 },
      4,
    ],
  ])('reads a feed with lanes %s', (_name, overrides, lanes, sessions) => {
    const [a] = parse({ feeds: [feed(overrides), feedB()] }).feeds;
    expect(a?.lanes).toEqual(lanes);
    expect(laneCount(a!)).toBe(sessions);
    // the feed's topics are every filter it subscribes to
    expect(a?.topics).toEqual(
      (lanes as { kind: string; groups?: string[][] }).groups?.flat() ?? ['meters/outbound/example-customer-a/#'],
    );
  });

  it('reports every problem at once, one line each', () => {
    const lines = problems({
      feeds: [feed({ topics: ['#'] }), feedB({ clientId: 'example-bridge-feed-a' })],
      ingestBatchSize: 0,
    });
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('reports the client id clash once both feeds are otherwise valid', () => {
    const lines = problems({ feeds: [feed(), feedB({ clientId: 'example-bridge-feed-a' })], ingestBatchSize: 0 });
    expect(lines).toEqual([
      expect.stringContaining('feeds[1].clientId'),
      expect.stringContaining('ingestBatchSize: got 0'),
    ]);
  });

  it.each([
    ['feed-a', 'FeedA'],
    ['a', 'A'],
    ['north-2-meters', 'North2Meters'],
  ])('names the constructs of feed %s %s', (name, id) => {
    expect(feedConstructId(name)).toBe(id);
  });
});
