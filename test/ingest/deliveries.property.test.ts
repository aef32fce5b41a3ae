/**
 * The promise of the ingest function, as a property: for any sequence of deliveries (duplicates, any interleaving of
 * series, batches cut anywhere, batches delivered again, infrastructure failures and Lambda's redelivery from the
 * lowest reported record), the readings table holds exactly one item per reading identity, with the value of the
 * first delivery in stream order, and every later delivery of another value is one conflict in quarantine.
 */
import { DynamoDBClient, ThrottlingException, type PutItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import fc from 'fast-check';
import { normalizeDecimal } from '../../core';
import { createHandler } from '../../functions/ingest';
import type { IngestConfig } from '../../functions/ingest/config';
import { freshTables, newClient, scanAll, startLocalDynamo, type LocalDynamo } from './support/local-dynamodb';
import { silentLogger, silentMetrics } from './support/quiet';
import { eventOf, StreamFixture, v2Payload } from './support/stream-events';

let dynamo: LocalDynamo;
let config: IngestConfig;
let faulty: DynamoDBClient;
/** Sequence numbers whose next readings write fails once. */
const failOnce = new Set<string>();

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  config = await freshTables(dynamo.client);
  faulty = newClient(dynamo.local.endpoint);
  faulty.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as PutItemCommandInput;
      const seq = input.Item?.sequenceNumber?.S;
      if (
        context.commandName === 'PutItemCommand' &&
        input.TableName === config.readingsTableName &&
        seq &&
        failOnce.delete(seq)
      ) {
        throw new ThrottlingException({ message: 'Throttled', $metadata: {} });
      }
      return next(args);
    },
    { step: 'initialize', name: 'faultInjection' },
  );
});

afterAll(async () => {
  faulty?.destroy();
  await dynamo?.stop();
});

const message = fc.record({
  customer: fc.integer({ min: 0, max: 1 }),
  meter: fc.integer({ min: 0, max: 2 }),
  register: fc.constantFrom(12, 13),
  minute: fc.integer({ min: 0, max: 3 }),
  subscription: fc.constantFrom('s1', 's2'),
  // '1' and '1.0' are one number: a duplicate, not a conflict
  value: fc.constantFrom('1', '1.0', '2', '-3.5'),
});

const plan = fc.record({
  messages: fc.array(message, { minLength: 1, maxLength: 24 }),
  batchSizes: fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 6 }),
  replays: fc.array(fc.nat(), { maxLength: 3 }),
  faults: fc.array(fc.nat(), { maxLength: 4 }),
  concurrency: fc.integer({ min: 1, max: 4 }),
});

let run = 0;

it('holds exactly one item per reading identity, with the first-delivered value, for any sequence of deliveries', async () => {
  await fc.assert(
    fc.asyncProperty(plan, async (p) => {
      // GIVEN a stream of these messages (customer ids and shard unique to this run), cut into batches
      run++;
      const stream = new StreamFixture(`shardId-run${run}`);
      const records = p.messages.map((m) =>
        stream.record({
          topic: `meters/outbound/run${run}c${m.customer}/${m.subscription}/m${m.meter}`,
          payload: v2Payload(new Date(Date.UTC(2026, 0, 1, 0, m.minute + 1)).toISOString(), m.value, m.register),
        }),
      );
      const batches: KinesisStreamRecord[][] = [];
      for (let i = 0, b = 0; i < records.length; b++) {
        const size = p.batchSizes[b % p.batchSizes.length]!;
        batches.push(records.slice(i, i + size));
        i += size;
      }
      failOnce.clear();
      for (const f of p.faults) failOnce.add(records[f % records.length]!.kinesis.sequenceNumber);
      const handlerOptions = { config, logger: silentLogger(), metrics: silentMetrics(), concurrency: p.concurrency };
      const container = createHandler({ ...handlerOptions, client: faulty });

      // WHEN each batch is processed as Lambda does (redelivered from the lowest reported record until none is),
      // and some batches are delivered again afterwards, to a new container
      const deliver = async (handler: typeof container, batch: KinesisStreamRecord[]) => {
        for (let attempt = 0; batch.length > 0; attempt++) {
          if (attempt > 10) throw new Error('a batch never completed');
          const reported = (await handler(eventOf(batch))).batchItemFailures.map((f) => BigInt(f.itemIdentifier));
          if (reported.length === 0) return;
          const lowest = reported.reduce((a, b) => (a < b ? a : b));
          batch = batch.slice(batch.findIndex((r) => BigInt(r.kinesis.sequenceNumber) === lowest));
        }
      };
      for (const batch of batches) await deliver(container, batch);
      const replayer = createHandler({ ...handlerOptions, client: dynamo.client });
      for (const r of p.replays) await deliver(replayer, batches[r % batches.length]!);

      // THEN the table holds one item per identity, with the first delivery's value
      const expected = new Map<string, string>();
      let conflicts = 0;
      p.messages.forEach((m) => {
        const identity = `run${run}c${m.customer}/m${m.meter}/${m.register}|${new Date(Date.UTC(2026, 0, 1, 0, m.minute + 1)).toISOString()}`;
        const value = canonical(m.value);
        const first = expected.get(identity);
        if (first === undefined) expected.set(identity, value);
        else if (first !== value) conflicts++;
      });
      const items = await scanAll(dynamo.client, config.readingsTableName, {
        FilterExpression: 'begins_with(pk, :run)',
        ExpressionAttributeValues: { ':run': { S: `run${run}c` } },
      });
      const actual = items.map((i) => [`${i.pk?.S}|${i.sk?.S}`, canonical(i.value?.N ?? '')] as const);
      expect(actual).toHaveLength(expected.size);
      expect(new Map(actual)).toEqual(expected);
      // AND every later delivery of another value is one conflict in quarantine
      const quarantined = await scanAll(dynamo.client, config.quarantineTableName, {
        FilterExpression: 'begins_with(pk, :shard)',
        ExpressionAttributeValues: { ':shard': { S: `shardId-run${run}/` } },
      });
      expect(quarantined.map((q) => q.reason?.S).filter((r) => r !== 'conflict')).toEqual([]);
      expect(quarantined).toHaveLength(conflicts);
    }),
    { numRuns: 30 },
  );
}, 90_000);

function canonical(text: string): string {
  const n = normalizeDecimal(text);
  if (!n.ok) throw new Error(n.message);
  return n.value;
}
