/**
 * Tolerant where nothing is lost, as a property: for any valid reading, deliveries of it re-encoded as the provider
 * may write it (timestamps at a UTC offset, a longer system-time fraction, `register_id` as `N.0` or `N eX`, a
 * re-send with a new system time, the other schema version), in any order and batch cut, store exactly one row with
 * the first delivery's value and facts, and quarantine nothing. Against DynamoDB Local, through the real handler.
 */
import fc from 'fast-check';
import type { KinesisStreamRecord } from 'aws-lambda';
import { createHandler } from '../../functions/ingest';
import type { IngestConfig } from '../../functions/ingest/config';
import { membersToJson, v1Members, v2Members, writeInteger, writeTimestamp } from '../../local/simulator/payloads';
import { freshTables, scanAll, startLocalDynamo, type LocalDynamo } from './support/local-dynamodb';
import { silentLogger, silentMetrics } from './support/quiet';
import { eventOf, StreamFixture } from './support/stream-events';

let dynamo: LocalDynamo;
let config: IngestConfig;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  config = await freshTables(dynamo.client);
});

afterAll(async () => {
  await dynamo?.stop();
});

const FROM = Date.UTC(2000, 0, 2);
const TO = Date.UTC(2099, 11, 30);

/** A valid reading, as its first plain encoding would carry it. */
const reading = fc.record({
  register: fc.constantFrom(2, 2, 12, 13, 1, 2147483647),
  timeMillis: fc.integer({ min: FROM, max: TO }),
  value: fc
    .tuple(fc.integer({ min: -1_000_000, max: 1_000_000_000 }), fc.nat(999))
    .map(([i, f]) => `${i}.${String(f).padStart(3, '0')}`),
  version: fc.constantFrom(1, 2),
  systemAfterMillis: fc.integer({ min: 0, max: 120_000 }),
  intervalMillis: fc.integer({ min: 1, max: 3_600_000 }),
});
type Reading = typeof reading extends fc.Arbitrary<infer T> ? T : never;

/** One way of writing a reading again; every choice loses nothing. */
const form = fc.record({
  otherVersion: fc.boolean(),
  offsetMinutes: fc.option(fc.integer({ min: -1439, max: 1439 }), { nil: undefined }),
  offsetStyle: fc.constantFrom('colon', 'basic', 'hours') as fc.Arbitrary<'colon' | 'basic' | 'hours'>,
  identityZeros: fc.constantFrom('', '000', '000000'),
  systemDigits: fc.stringMatching(/^[0-9]{0,6}$/),
  resendAfterMillis: fc.option(fc.integer({ min: 1, max: 600_000 }), { nil: undefined }),
  register: fc.constantFrom('plain', 'point-zero', 'exponent') as fc.Arbitrary<'plain' | 'point-zero' | 'exponent'>,
});
type Form = typeof form extends fc.Arbitrary<infer T> ? T : never;

/** One delivery: the payload, and the facts the stored item must carry when it is the first. */
interface Delivery {
  readonly topic: string;
  readonly payload: string;
  readonly version: 1 | 2;
  readonly systemTime?: string;
  readonly intervalStart?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

function deliver(topic: string, r: Reading, f: Form | undefined): Delivery {
  const version = (f?.otherVersion ? 3 - r.version : r.version) as 1 | 2;
  const spell = (ms: number, subMillisDigits: string = f?.identityZeros ?? '') =>
    writeTimestamp(iso(ms), {
      ...(f?.offsetMinutes !== undefined ? { offsetMinutes: f.offsetMinutes } : {}),
      offsetStyle: f?.offsetStyle ?? 'colon',
      subMillisDigits,
    });
  const registerId = writeInteger(r.register, f?.register ?? 'plain');
  if (version === 1) {
    const systemMillis = r.timeMillis + (f?.resendAfterMillis ?? r.systemAfterMillis);
    const digits = f?.systemDigits ?? '';
    const payload = membersToJson(
      v1Members({
        dataTime: spell(r.timeMillis),
        systemTime: spell(systemMillis, digits),
        registerId,
        reading: r.value,
      }),
    );
    // the canonical system time, worked out here: UTC, every digit, no trailing zero beyond the milliseconds
    const systemTime = iso(systemMillis).replace('Z', `${digits.replace(/0+$/, '')}Z`);
    return { topic, payload, version, systemTime };
  }
  const start = r.timeMillis - r.intervalMillis;
  const payload = membersToJson(
    v2Members({ start: spell(start), end: spell(r.timeMillis), registerId, value: r.value }),
  );
  return { topic, payload, version, intervalStart: iso(start) };
}

const plan = fc.record({
  readings: fc.array(fc.record({ reading, forms: fc.array(form, { minLength: 1, maxLength: 4 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
  // sort keys that shuffle the deliveries; the first delivery of each reading is whichever comes first
  order: fc.array(fc.nat(), { minLength: 16, maxLength: 16 }),
  batchSize: fc.integer({ min: 1, max: 8 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
});

let run = 0;

it('stores one row with the first delivery of any reading re-encoded without loss, and quarantines nothing', async () => {
  await fc.assert(
    fc.asyncProperty(plan, async (p) => {
      // GIVEN each reading, then its deliveries in other spellings, shuffled (customer and shard unique to this run)
      run++;
      const stream = new StreamFixture(`shardId-forms${run}`);
      const deliveries = p.readings.flatMap(({ reading: r, forms }, i) => {
        const topic = `meters/outbound/forms${run}/s1/m${i}`;
        return [deliver(topic, r, undefined), ...forms.map((f) => deliver(topic, r, f))].map((d) => ({ d, i }));
      });
      const keyed = deliveries.map((x, n) => ({ ...x, key: p.order[n % p.order.length]! * 100 + n }));
      keyed.sort((a, b) => a.key - b.key);
      const records: KinesisStreamRecord[] = keyed.map(({ d }) =>
        stream.record({ topic: d.topic, payload: d.payload }),
      );
      const handler = createHandler({
        client: dynamo.client,
        config,
        logger: silentLogger(),
        metrics: silentMetrics(),
        concurrency: p.concurrency,
      });

      // WHEN the handler takes them in batches
      for (let i = 0; i < records.length; i += p.batchSize) {
        const out = await handler(eventOf(records.slice(i, i + p.batchSize)));
        expect(out.batchItemFailures).toEqual([]);
      }

      // THEN one row per reading, with the value and the facts of its first delivery
      const items = await scanAll(dynamo.client, config.readingsTableName, {
        FilterExpression: 'begins_with(pk, :run)',
        ExpressionAttributeValues: { ':run': { S: `forms${run}/` } },
      });
      const actual = items
        .map((item) => ({
          pk: item.pk?.S,
          sk: item.sk?.S,
          value: item.value?.N,
          schemaVersion: item.schemaVersion?.N,
          registerId: item.registerId?.N,
          systemTime: item.systemTime?.S,
          intervalStart: item.intervalStart?.S,
        }))
        .sort((a, b) => String(a.pk).localeCompare(String(b.pk)));
      const expected = p.readings
        .map(({ reading: r }, i) => {
          const first = keyed.find((k) => k.i === i)!.d;
          return {
            pk: `forms${run}/m${i}/${r.register}`,
            sk: iso(r.timeMillis),
            // DynamoDB hands a Number back in its own form: drop the trailing zeros of the fraction
            value: r.value.replace(/\.?0+$/, '').replace(/^-0$/, '0') || '0',
            schemaVersion: String(first.version),
            registerId: String(r.register),
            systemTime: first.systemTime,
            intervalStart: first.intervalStart,
          };
        })
        .sort((a, b) => a.pk.localeCompare(b.pk));
      expect(actual).toEqual(expected);
      // AND nothing of this run is in quarantine
      const quarantined = await scanAll(dynamo.client, config.quarantineTableName, {
        FilterExpression: 'begins_with(pk, :shard)',
        ExpressionAttributeValues: { ':shard': { S: `shardId-forms${run}/` } },
      });
      expect(quarantined.map((q) => [q.reason?.S, q.message?.S])).toEqual([]);
    }),
    { numRuns: 40 },
  );
}, 120_000);
