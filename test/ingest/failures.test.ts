/**
 * Failures: what the handler reports when DynamoDB fails, and what it quarantines when DynamoDB refuses the data.
 * DynamoDB Local is real; the faults are injected at the client (a middleware before the SDK's retries, so a fault
 * stands for one that outlasted them), the one thing a local implementation cannot produce on demand.
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { Context, KinesisStreamRecord } from 'aws-lambda';
import { decodeReading, type Reading } from '../../core';
import { createHandler } from '../../functions/ingest';
import type { IngestConfig } from '../../functions/ingest/config';
import { isValidationError, refusalReason } from '../../functions/ingest/dynamodb-errors';
import { putReading, type ReadingSource } from '../../functions/ingest/reading-store';
import { processRecord, type RecordContext } from '../../functions/ingest/process-record';
import { decodeIncoming } from '../../functions/ingest/decode-record';
import { fromKinesisRecord } from '../../functions/ingest/kinesis-record';
import { SeriesRegistry, seriesRegistryKey } from '../../functions/ingest/series-registry';
import {
  FUNCTION_TIMEOUT_SECONDS,
  RECORD_START_BUDGET_MILLIS,
  RESPONSE_RESERVE_MILLIS,
} from '../../functions/shared/time-budget';
import { freePort } from '../../local/services/free-port';
import {
  freshTables,
  newClient,
  readingItems,
  registryItems,
  scanAll,
  startLocalDynamo,
  type LocalDynamo,
} from './support/local-dynamodb';
import { silentLogger, silentMetrics } from './support/quiet';
import { eventOf, sequenceNumbers, StreamFixture, v2Payload } from './support/stream-events';

// Far ahead of the real clock: DynamoDB Local's TTL really deletes quarantine items whose expiresAt has passed.
const NOW = new Date('2100-01-01T00:00:05.000Z');

let dynamo: LocalDynamo;
let config: IngestConfig;
let stream: StreamFixture;
const clients: DynamoDBClient[] = [];

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await dynamo?.stop();
});

beforeEach(async () => {
  config = await freshTables(dynamo.client);
  stream = new StreamFixture();
});

type Fault = (command: string, input: PutItemCommandInput) => Error | undefined;

/** A client for DynamoDB Local that throws `fault`'s error instead of sending, when it returns one. */
function faultyClient(fault: Fault): DynamoDBClient {
  const client = newClient(dynamo.local.endpoint);
  clients.push(client);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const err = fault(context.commandName ?? '', args.input as PutItemCommandInput);
      if (err) throw err;
      return next(args);
    },
    { step: 'initialize', name: 'faultInjection' },
  );
  return client;
}

function handlerWith(client: DynamoDBClient, concurrency = 1) {
  return createHandler({
    client,
    config,
    clock: () => NOW,
    logger: silentLogger(),
    metrics: silentMetrics(),
    concurrency,
  });
}

/** Fails the readings-table write of the record with this sequence number. */
function failReadingOf(record: KinesisStreamRecord, error: () => Error): Fault {
  return (command, input) =>
    command === 'PutItemCommand' &&
    input.TableName === config.readingsTableName &&
    input.Item?.sequenceNumber?.S === record.kinesis.sequenceNumber
      ? error()
      : undefined;
}

function reading(topic: string, minute: number, value = String(minute)) {
  const end = new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
  return stream.record({ topic, payload: v2Payload(end, value) });
}

const A = 'meters/outbound/c1/s1/mA';
const B = 'meters/outbound/c1/s1/mB';
const C = 'meters/outbound/c1/s1/mC';

async function storedSequenceNumbers(): Promise<string[]> {
  const items = await readingItems(dynamo.client, config.readingsTableName);
  return items.map((i) => i.sequenceNumber?.S ?? '').sort();
}

/** Redelivers from the lowest reported sequence number, as Lambda does, with a healthy client. */
async function redeliverFrom(records: KinesisStreamRecord[], reported: string[]) {
  const lowest = reported.reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b));
  const from = records.findIndex((r) => r.kinesis.sequenceNumber === lowest);
  return handlerWith(dynamo.client, 4)(eventOf(records.slice(from)));
}

describe('infrastructure failures', () => {
  it('fails a throttled record and reports exactly the records not written after it', async () => {
    // GIVEN six readings over three series, processed one series at a time, and the write of the third throttled
    const records = [reading(A, 1), reading(B, 1), reading(A, 2), reading(C, 1), reading(B, 2), reading(C, 2)];
    const throttle = () => new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} });
    const h = handlerWith(faultyClient(failReadingOf(records[2]!, throttle)), 1);
    // WHEN the handler runs
    const result = await h(eventOf(records));
    // THEN series A ran first: its first record is written; its second failed; nothing else was started
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(sequenceNumbers(records.slice(1)));
    expect(await storedSequenceNumbers()).toEqual(sequenceNumbers(records.slice(0, 1)));
    // AND redelivery from the lowest reported record stores the rest, each once
    const retry = await redeliverFrom(
      records,
      result.batchItemFailures.map((f) => f.itemIdentifier),
    );
    expect(retry.batchItemFailures).toEqual([]);
    expect(await storedSequenceNumbers()).toEqual(sequenceNumbers(records).sort());
  });

  it('fails mid-batch with concurrency and reports only unwritten records, the failed one included', async () => {
    // GIVEN 40 readings over 8 series, written 4 series at a time, and one write in the middle failing with a 500
    const meters = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8'];
    const records = Array.from({ length: 40 }, (_, i) => reading(`meters/outbound/c1/s1/${meters[i % 8]}`, i));
    const failed = records[21]!;
    const serverError = () => new InternalServerError({ message: 'Internal server error', $metadata: {} });
    const h = handlerWith(faultyClient(failReadingOf(failed, serverError)), 4);
    // WHEN the handler runs
    const result = await h(eventOf(records));
    // THEN the failed record is reported, every reported record is unwritten and every unreported one is written
    const reported = result.batchItemFailures.map((f) => f.itemIdentifier);
    const stored = await storedSequenceNumbers();
    expect(reported).toContain(failed.kinesis.sequenceNumber);
    expect(reported.filter((s) => stored.includes(s))).toEqual([]);
    expect(sequenceNumbers(records).filter((s) => !reported.includes(s) && !stored.includes(s))).toEqual([]);
    // AND the later records of the failed series are reported: the series keeps its order
    const laterOfSeries = records.filter((r, i) => i > 21 && i % 8 === 21 % 8);
    expect(reported).toEqual(expect.arrayContaining(sequenceNumbers(laterOfSeries)));
    // AND redelivery from the lowest reported record completes the table, one item per reading
    await redeliverFrom(records, reported);
    expect(await storedSequenceNumbers()).toEqual(sequenceNumbers(records).sort());
  });

  it.each([
    ['throttling', () => new ThrottlingException({ message: 'Throttled', $metadata: {} })],
    ['a 5xx', () => new InternalServerError({ message: 'boom', $metadata: {} })],
    ['a timeout', () => Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
    ['a reset connection', () => Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['an error nobody expected', () => new TypeError('cannot read properties of undefined')],
  ])('fails the record on %s and never reports it as done', async (_name, error) => {
    // GIVEN one reading whose write fails this way
    const records = [reading(A, 1)];
    const h = handlerWith(faultyClient(failReadingOf(records[0]!, error)));
    // WHEN the handler runs
    const result = await h(eventOf(records));
    // THEN it is reported and not written
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.kinesis.sequenceNumber }]);
    expect(await storedSequenceNumbers()).toEqual([]);
  });

  it('fails a rejected record whose quarantine write fails, and quarantines it once on retry', async () => {
    // GIVEN a bad record whose quarantine write is throttled once
    const records = [stream.raw(Buffer.from('not an envelope'))];
    let throttled = false;
    const h = handlerWith(
      faultyClient((command, input) => {
        if (command !== 'PutItemCommand' || input.TableName !== config.quarantineTableName || throttled)
          return undefined;
        throttled = true;
        return new ThrottlingException({ message: 'Throttled', $metadata: {} });
      }),
    );
    // WHEN the batch runs, and runs again
    const first = await h(eventOf(records));
    const second = await h(eventOf(records));
    // THEN it is reported the first time and quarantined the second
    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    expect(await scanAll(dynamo.client, config.quarantineTableName)).toHaveLength(1);
  });

  it('fails a reading whose series registration fails, and registers and stores it on retry', async () => {
    // GIVEN a reading of a new series whose registry write is throttled once
    const records = [reading(A, 1)];
    let throttled = false;
    const h = handlerWith(
      faultyClient((command, input) => {
        if (command !== 'PutItemCommand' || !input.Item?.pk?.S?.startsWith('series#') || throttled) return undefined;
        throttled = true;
        return new ThrottlingException({ message: 'Throttled', $metadata: {} });
      }),
    );
    // WHEN the batch runs, and runs again
    const first = await h(eventOf(records));
    expect(await storedSequenceNumbers()).toEqual([]);
    const second = await h(eventOf(records));
    // THEN the reading is stored and its series registered on the retry
    expect(first.batchItemFailures).toHaveLength(1);
    expect(second.batchItemFailures).toEqual([]);
    const all = await scanAll(dynamo.client, config.readingsTableName);
    expect(all.map((i) => i.pk?.S).sort()).toEqual(['c1/mA/12', seriesRegistryKey('c1', 'c1/mA/12')]);
  });

  it('fails every record, without throwing, when DynamoDB cannot be reached', async () => {
    // GIVEN a client for a port where nothing listens
    const port = await freePort();
    const unreachable = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    clients.push(unreachable);
    const records = [reading(A, 1), stream.raw(Buffer.from('bad')), reading(B, 1)];
    // WHEN the handler runs
    const result = await handlerWith(unreachable, 4)(eventOf(records));
    // THEN every record is reported
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(sequenceNumbers(records));
  });
});

describe('data that DynamoDB refuses', () => {
  function handBuiltReading(value: string): Reading {
    const decoded = decodeReading('meters/outbound/c1/s1/m1', Buffer.from(v2Payload('2026-01-01T00:01:00.000Z', '1')));
    if (!decoded.ok) throw new Error(decoded.message);
    return { ...decoded.value, value };
  }
  const source = {
    topic: 'meters/outbound/c1/s1/m1',
    shardId: 's',
    sequenceNumber: '1',
    receivedAt: NOW.toISOString(),
  };

  it('fails with a ValidationException, read as bad-value, when a number is out of range', async () => {
    // GIVEN a reading built by hand past core's checks, with a value DynamoDB cannot hold
    const bad = handBuiltReading('1E+126');
    // WHEN it is written
    const err = await putReading(dynamo.client, config.readingsTableName, bad, source, NOW).catch((e: unknown) => e);
    // THEN DynamoDB's refusal is told apart from an infrastructure failure
    expect(isValidationError(err)).toBe(true);
    expect(refusalReason(err as DynamoDBServiceException)).toBe('bad-value');
  });

  it('fails with a ValidationException, read as too-large, when an item is over 400 KB', async () => {
    // GIVEN a reading whose extra fields make the item too large
    const bad: Reading = { ...handBuiltReading('1'), extraFields: JSON.stringify({ x: 'x'.repeat(410_000) }) };
    // WHEN it is written
    const err = await putReading(dynamo.client, config.readingsTableName, bad, source, NOW).catch((e: unknown) => e);
    // THEN it is a refusal of the data, too large
    expect(isValidationError(err)).toBe(true);
    expect(refusalReason(err as DynamoDBServiceException)).toBe('too-large');
  });

  it('quarantines a reading that DynamoDB refuses instead of failing the batch, and goes on with its series', async () => {
    // GIVEN three readings of one series, DynamoDB refusing the first one's data
    const records = [reading(A, 1), reading(A, 2), reading(A, 3)];
    const refuse = () =>
      new DynamoDBServiceException({
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Number overflow. Attempting to store a number with magnitude larger than supported range',
      });
    const h = handlerWith(faultyClient(failReadingOf(records[0]!, refuse)));
    // WHEN the handler runs, twice
    const results = [await h(eventOf(records)), await h(eventOf(records))];
    // THEN the batch succeeds, the refused record is quarantined once as bad-value, the others are stored
    expect(results.map((r) => r.batchItemFailures)).toEqual([[], []]);
    expect(await storedSequenceNumbers()).toEqual(sequenceNumbers(records.slice(1)));
    const q = await scanAll(dynamo.client, config.quarantineTableName);
    expect(q).toHaveLength(1);
    expect(q[0]).toMatchObject({
      reason: { S: 'bad-value' },
      sequenceNumber: { S: records[0]!.kinesis.sequenceNumber },
    });
    expect(q[0]?.message?.S).toContain('Number overflow');
  });
});

describe('the decision for one record', () => {
  function context(client: DynamoDBClient): RecordContext {
    return {
      client,
      config,
      registry: new SeriesRegistry(client, config.readingsTableName),
      clock: () => NOW,
      logger: silentLogger(),
    };
  }
  const decode = (record: KinesisStreamRecord) => decodeIncoming(fromKinesisRecord(record, 0), NOW.toISOString());

  it('stores, then skips a duplicate, then quarantines a conflict once however often it is delivered', async () => {
    // GIVEN a client for DynamoDB Local and three deliveries of one identity
    const ctx = context(dynamo.client);
    const first = reading(A, 1, '5');
    const same = reading(A, 1, '5.0');
    const other = reading(A, 1, '6');
    // WHEN each is processed (the conflict twice)
    const outcomes = [
      await processRecord(ctx, decode(first)),
      await processRecord(ctx, decode(same)),
      await processRecord(ctx, decode(other)),
      await processRecord(ctx, decode(other)),
    ];
    // THEN the outcomes follow the rules
    expect(outcomes.map((o) => o.kind)).toEqual(['stored', 'duplicate', 'conflict', 'conflict']);
    expect(outcomes.slice(2)).toEqual([
      { kind: 'conflict', quarantine: { kind: 'created' } },
      { kind: 'conflict', quarantine: { kind: 'exists' } },
    ]);
  });

  it('reads the stored item when the implementation returns none with the refusal', async () => {
    // GIVEN a client whose conditional-check failures come back without the old item
    const client = newClient(dynamo.local.endpoint);
    clients.push(client);
    let stripped = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (err) {
          if (err instanceof ConditionalCheckFailedException && err.Item) {
            delete err.Item;
            stripped++;
          }
          throw err;
        }
      },
      { step: 'initialize', name: 'stripOldItem' },
    );
    const decoded = decodeReading(A, Buffer.from(v2Payload('2026-01-01T00:01:00.000Z', '7')));
    if (!decoded.ok) throw new Error(decoded.message);
    const source: ReadingSource = { topic: A, shardId: 's', sequenceNumber: '1', receivedAt: NOW.toISOString() };
    // WHEN a reading is written, then again, then with another value
    const outcomes = [
      await putReading(client, config.readingsTableName, decoded.value, source, NOW),
      await putReading(client, config.readingsTableName, decoded.value, { ...source, sequenceNumber: '2' }, NOW),
      await putReading(
        client,
        config.readingsTableName,
        { ...decoded.value, value: '8' },
        { ...source, sequenceNumber: '3' },
        NOW,
      ),
    ];
    // THEN the answers are the same as with the old item returned
    expect(stripped).toBe(2);
    expect(outcomes).toEqual([
      { kind: 'stored' },
      { kind: 'duplicate', otherFacts: [] },
      {
        kind: 'conflict',
        storedValue: '7',
        storedSource: source,
        stored: {
          value: '7',
          readingTime: '2026-01-01T00:01:00.000Z',
          intervalStart: '2026-01-01T00:00:00.000Z',
          schemaVersion: 2,
        },
      },
    ]);
  });

  it('registers a series once per container, whatever the number of its readings', async () => {
    // GIVEN a client that counts registry writes
    const client = newClient(dynamo.local.endpoint);
    clients.push(client);
    let registryWrites = 0;
    client.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as PutItemCommandInput;
        if (input.Item?.pk?.S?.startsWith('series#')) registryWrites++;
        return next(args);
      },
      { step: 'initialize', name: 'countRegistryWrites' },
    );
    const ctx = context(client);
    // WHEN ten readings of one series and one of another are processed
    for (let minute = 1; minute <= 10; minute++) await processRecord(ctx, decode(reading(A, minute)));
    await processRecord(ctx, decode(reading(B, 1)));
    // THEN two registry writes were made
    expect(registryWrites).toBe(2);
  });
});

describe('retries bounded by age see only infrastructure failures', () => {
  // The event source mapping retries a reported record until it is MaximumRecordAgeInSeconds old
  // (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html): only an infrastructure failure may be reported,
  // or a poison record would hold its shard for 23 hours. Played here as Lambda does it: redeliver from the lowest
  // reported sequence number until nothing is reported, at most 20 times.
  async function deliverUntilDone(h: ReturnType<typeof handlerWith>, records: KinesisStreamRecord[]) {
    let batch = records;
    for (let delivery = 1; delivery <= 20; delivery++) {
      const reported = (await h(eventOf(batch))).batchItemFailures.map((f) => f.itemIdentifier);
      if (reported.length === 0) return delivery;
      const lowest = reported.reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b));
      batch = batch.slice(batch.findIndex((r) => r.kinesis.sequenceNumber === lowest));
    }
    return Infinity;
  }
  const refuse = () =>
    new DynamoDBServiceException({
      name: 'ValidationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      message: 'Number overflow. Attempting to store a number with magnitude larger than supported range',
    });

  it('quarantines on the first delivery a record that fails for a non-infrastructure reason every time, and never reports it', async () => {
    // GIVEN a batch with bad JSON, a bad envelope, a conflict and a reading DynamoDB refuses on every delivery
    const refused = reading(B, 1);
    const records = [
      reading(A, 1, '1'),
      stream.record({ topic: A, payload: '{not json' }),
      stream.raw(Buffer.from('not an envelope')),
      reading(A, 1, '2'),
      refused,
      reading(C, 1),
    ];
    const h = handlerWith(faultyClient(failReadingOf(refused, refuse)), 4);
    // WHEN it is delivered until nothing is reported
    const deliveries = await deliverUntilDone(h, records);
    // THEN one delivery was enough: every poison record is quarantined, the good ones stored
    expect(deliveries).toBe(1);
    const reasons = (await scanAll(dynamo.client, config.quarantineTableName)).map((q) => q.reason?.S).sort();
    expect(reasons).toEqual(['bad-envelope', 'bad-value', 'conflict', 'not-json']);
    expect(await storedSequenceNumbers()).toEqual(sequenceNumbers([records[0]!, records[5]!]).sort());
  });

  it('fails a record on every delivery while DynamoDB throttles it: that alone is what the mapping retries', async () => {
    // GIVEN the same kind of batch, one reading's write throttled on every delivery
    const throttled = reading(B, 1);
    const records = [reading(A, 1), throttled, reading(C, 1)];
    const throttle = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    const h = handlerWith(faultyClient(failReadingOf(throttled, throttle)), 1);
    // WHEN it is delivered again and again
    const deliveries = await deliverUntilDone(h, records);
    // THEN it is reported every time (the mapping keeps retrying it until its maximum age), and not quarantined
    expect(deliveries).toBe(Infinity);
    expect(await scanAll(dynamo.client, config.quarantineTableName)).toEqual([]);
  });
});

describe('the deadline', () => {
  // A Lambda invocation ends at its timeout and then reports nothing: the whole batch is retried and bisected
  // (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html). The handler asks
  // context.getRemainingTimeInMillis() before each record (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-context.html).
  function contextWithClock(remainingAtStart: number, elapsed: () => number): Context {
    return { getRemainingTimeInMillis: () => remainingAtStart - elapsed() } as Partial<Context> as Context;
  }

  it('starts no record without time for its worst case, and reports every record it did not start', async () => {
    // GIVEN six readings of six series, one at a time, and every DynamoDB call taking 25 s of the invocation's time
    let elapsed = 0;
    const client = faultyClient(() => {
      elapsed += 25_000;
      return undefined;
    });
    const records = [reading(A, 1), reading(B, 1), reading(C, 1), reading(A, 2), reading(B, 2), reading(C, 2)];
    const h = createHandler({
      client,
      config,
      clock: () => NOW,
      logger: silentLogger(),
      metrics: silentMetrics(),
      concurrency: 1,
    });
    // WHEN the invocation starts with the function's full timeout left
    const context = contextWithClock(FUNCTION_TIMEOUT_SECONDS * 1000, () => elapsed);
    const result = await h(eventOf(records), context);
    // THEN each record started with at least its worst case left, so none ran into the timeout
    expect(elapsed).toBeLessThanOrEqual(FUNCTION_TIMEOUT_SECONDS * 1000 - RESPONSE_RESERVE_MILLIS);
    // AND A1 (registry and reading, 50 s), A2 (its series known, 25 s) and B1 (50 s) were written; B2 found 81 s
    // left, under the 104 s budget, so it and C's records were reported, nothing lost
    const stored = await storedSequenceNumbers();
    expect(stored).toEqual(sequenceNumbers([records[0]!, records[3]!, records[1]!]).sort());
    const reported = result.batchItemFailures.map((f) => f.itemIdentifier);
    expect(reported).toEqual(sequenceNumbers([records[2]!, records[4]!, records[5]!]));
  });

  it('starts nothing and reports the whole batch when the invocation begins with less than one record of time', async () => {
    // GIVEN an invocation with less left than the worst case of one record
    const records = [reading(A, 1), reading(B, 1)];
    const h = handlerWith(dynamo.client, 4);
    // WHEN it runs
    const result = await h(
      eventOf(records),
      contextWithClock(RECORD_START_BUDGET_MILLIS - 1, () => 0),
    );
    // THEN nothing is written and every record is reported
    expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(sequenceNumbers(records));
    expect(await storedSequenceNumbers()).toEqual([]);
  });
});

describe('the series registry', () => {
  function readingOf(meter: string, registerId = 12): Reading {
    const decoded = decodeReading(
      `meters/outbound/c1/s1/${meter}`,
      Buffer.from(v2Payload('2026-01-01T00:01:00.000Z', '1', registerId)),
    );
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value;
  }

  it('spreads one customer over the fixed suffixes, and bounds a cold start to its burst, registering the rest later', async () => {
    // GIVEN a fresh container's registry allowed 10 writes at once and 5 a second after
    const registry = new SeriesRegistry(dynamo.client, config.readingsTableName, 100_000, {
      burst: 10,
      writesPerSecond: 5,
    });
    const meters = Array.from({ length: 30 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    // WHEN 30 series it never saw arrive at once
    for (const m of meters) await registry.ensure(readingOf(m), new Date(t0));
    // THEN 10 are registered and 20 put off, not waited for
    expect((await registryItems(dynamo.client, config.readingsTableName, 'c1')).length).toBe(10);
    expect(registry.deferred).toBe(20);
    // AND as time passes, the next readings of those series register them at the budget's rate, and then all of them
    for (const m of meters) await registry.ensure(readingOf(m), new Date(t0 + 2_000));
    expect((await registryItems(dynamo.client, config.readingsTableName, 'c1')).length).toBe(20);
    for (const m of meters) await registry.ensure(readingOf(m), new Date(t0 + 10_000));
    const items = await registryItems(dynamo.client, config.readingsTableName, 'c1');
    expect(items.map((i) => i.sk?.S)).toEqual(meters.map((m) => `c1/${m}/12`));
    // AND every item sits under its series' spread key, several keys in use, none the old single key
    for (const item of items) expect(item.pk?.S).toBe(seriesRegistryKey('c1', item.sk!.S!));
    const keys = new Set(items.map((i) => i.pk?.S));
    expect(keys.size).toBeGreaterThan(8);
    expect(keys.has('series#c1')).toBe(false);
  });
});
