/**
 * Figure 3, ingest: the real handler (`createHandler` from functions/ingest) against DynamoDB Local, at the event
 * source mapping's batch sizes (100, its default, and 500), with 0% and 30% duplicate deliveries.
 * - Reference: a bare loop of the same conditional writes (the same items, `attribute_not_exists(pk)` with
 *   `ReturnValuesOnConditionCheckFailure: ALL_OLD`), batch by batch, at the handler's concurrency. Target: the handler
 *   reaches 80% of its rate.
 * - DynamoDB requests and write units per stored reading and per duplicate, counted by SDK middleware on the handler's
 *   client (see `support/dynamodb.ts`). Targets: at most 1 write request and 1 write unit per new reading; a duplicate
 *   costs no more than a new reading.
 * The handler is warm (its series registry has seen every series), as a Lambda container is after its first batches;
 * what a container's first sight of a series costs is reported apart.
 */
import { PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { decodeReading, encodeStreamRecord, type EncodedStreamRecord } from '../core';
import { createHandler, INGEST_DEFAULTS, type IngestHandler } from '../functions/ingest';
import { readingItem } from '../functions/ingest/reading-store';
import type { BenchContext, BenchOutput } from './support/context';
import { countingClient, startBenchDynamo, totalWriteUnits, type DynamoCounts } from './support/dynamodb';
import { makeFigure, type Figure } from './support/figures';
import { itemSize, STORAGE_OVERHEAD_BYTES } from './support/item-size';
import { BENCH_SHARD, kinesisEvent, sequenceNumberOf } from './support/kinesis-event';
import { benchMessage } from './support/messages';
import { median, medianRound, ratePerSecond } from './support/stats';

/** Meters in the benchmark fleet (one series each); set per run. */
let METERS = 1000;
const BATCH_SIZES = [100, 500] as const;
const DUPLICATE_SHARES = [0, 0.3] as const;

interface Prepared {
  readonly records: EncodedStreamRecord[];
  readonly items: Record<string, AttributeValue>[];
}

let nextInterval = 1;
let nextSequence = 0;

/** `count` fresh readings (new reading times), as stream records and as the items the handler would write. */
function prepare(count: number): Prepared {
  const offset = nextInterval;
  nextInterval += Math.ceil(count / METERS) + 1;
  const receivedAt = new Date();
  const records: EncodedStreamRecord[] = [];
  const items: Record<string, AttributeValue>[] = [];
  for (let i = 0; i < count; i++) {
    const m = benchMessage(i, METERS, offset);
    records.push(encodeStreamRecord({ ...m, receivedAt }));
    const reading = decodeReading(m.topic, m.payload);
    if (!reading.ok) throw new Error(`bench message ${i} does not decode: ${reading.message}`);
    const source = {
      topic: m.topic,
      shardId: BENCH_SHARD,
      sequenceNumber: sequenceNumberOf(nextSequence + i),
      receivedAt: receivedAt.toISOString(),
    };
    items.push(readingItem(reading.value, source, receivedAt));
  }
  return { records, items };
}

/** Whether record `i` is delivered a second time in a batch with `share` duplicates (deterministic, evenly spread). */
function isDuplicate(i: number, share: number): boolean {
  return Math.floor((i + 1) * share) > Math.floor(i * share);
}

async function conditionalPut(
  client: DynamoDBClient,
  table: string,
  item: Record<string, AttributeValue>,
): Promise<void> {
  try {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (err) {
    if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
  }
}

/** Runs `work` over `items` with `concurrency` workers. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Stores the share of `p` that will come again as duplicates (untimed, not counted). */
async function preStore(client: DynamoDBClient, table: string, p: Prepared, share: number): Promise<void> {
  if (share === 0) return;
  await pool(
    p.items.filter((_, i) => isDuplicate(i, share)),
    16,
    (item) => conditionalPut(client, table, item),
  );
}

/** The handler over `p` in batches of `batch`; milliseconds spent in the handler, and each batch's time. */
async function runHandler(
  handler: IngestHandler,
  p: Prepared,
  batch: number,
): Promise<{ millis: number; perBatch: number[] }> {
  const perBatch: number[] = [];
  for (let first = 0; first < p.records.length; first += batch)
    perBatch.push(await handlerBatch(handler, p, first, batch));
  nextSequence += p.records.length;
  return { millis: perBatch.reduce((s, x) => s + x, 0), perBatch };
}

/** One handler invocation over records `first`..`first + batch` of `p`; its milliseconds. */
async function handlerBatch(handler: IngestHandler, p: Prepared, first: number, batch: number): Promise<number> {
  const event = kinesisEvent(p.records.slice(first, first + batch), nextSequence + first);
  const t = performance.now();
  const result = await handler(event);
  const millis = performance.now() - t;
  if (result.batchItemFailures.length > 0) {
    throw new Error(`the handler reported ${result.batchItemFailures.length} failures in a benchmark batch`);
  }
  return millis;
}

/** The bare loop over items `first`..`first + batch` of `p`, `concurrency` writes at a time; its milliseconds. */
async function bareBatch(
  client: DynamoDBClient,
  table: string,
  p: Prepared,
  first: number,
  batch: number,
  concurrency: number,
): Promise<number> {
  const items = p.items.slice(first, first + batch);
  const t = performance.now();
  await pool(items, concurrency, (item) => conditionalPut(client, table, item));
  return performance.now() - t;
}

/**
 * The handler over `ph` and the bare loop over `pb`, batch by batch, alternating which goes first, so that both see
 * the same drift of a shared machine and of DynamoDB Local's JIT. Milliseconds of each, and the handler's per batch.
 */
async function runPaired(
  handler: IngestHandler,
  client: DynamoDBClient,
  table: string,
  ph: Prepared,
  pb: Prepared,
  batch: number,
  concurrency: number,
): Promise<{ handlerMillis: number; bareMillis: number; handlerPerBatch: number[] }> {
  let handlerMillis = 0;
  let bareMillis = 0;
  const handlerPerBatch: number[] = [];
  const base = nextSequence;
  for (let first = 0, k = 0; first < ph.records.length; first += batch, k++) {
    const runH = async () => {
      nextSequence = base;
      const ms = await handlerBatch(handler, ph, first, batch);
      handlerPerBatch.push(ms);
      handlerMillis += ms;
    };
    const runB = async () => {
      bareMillis += await bareBatch(client, table, pb, first, batch, concurrency);
    };
    if (k % 2 === 0) {
      await runH();
      await runB();
    } else {
      await runB();
      await runH();
    }
  }
  nextSequence = base + ph.records.length;
  return { handlerMillis, bareMillis, handlerPerBatch };
}

function perUnit(c: DynamoCounts, n: number) {
  return {
    writeRequests: c.writes / n,
    writeUnits: totalWriteUnits(c) / n,
    requests: Object.values(c.commands).reduce((s, x) => s + x, 0) / n,
  };
}

/** Runs figure 3. */
export async function benchIngest(ctx: BenchContext): Promise<BenchOutput> {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  METERS = ctx.quick ? 500 : 1000;
  const perPass = ctx.quick ? 500 : 3000;
  const rounds = ctx.quick ? 1 : 3;
  const concurrency = INGEST_DEFAULTS.concurrency;
  ctx.log('ingest: starting DynamoDB Local');
  const dynamo = await startBenchDynamo();
  const handlerClient = countingClient(dynamo.local.endpoint);
  const bareClient = countingClient(dynamo.local.endpoint);
  const table = dynamo.tables.readings;
  const config = {
    readingsTableName: table,
    quarantineTableName: dynamo.tables.quarantine,
    quarantineRetentionDays: 90,
  };
  const figures: Figure[] = [];
  const details: Record<string, unknown> = { perPass, rounds, concurrency, meters: METERS };
  try {
    const handler = createHandler({ client: handlerClient.client, config });
    // First sight of every series by this container: registry writes, reported apart.
    ctx.log(`ingest: warm-up, ${METERS} new series`);
    const warm = prepare(METERS);
    handlerClient.reset();
    await runHandler(handler, warm, 100);
    const cold = perUnit(handlerClient.counts(), METERS);
    // More warm-up for both, so DynamoDB Local's JIT and both clients' connections are warm before timing.
    const warmH = prepare(ctx.quick ? 500 : 2000);
    const warmB = prepare(ctx.quick ? 500 : 2000);
    await runPaired(handler, bareClient.client, table, warmH, warmB, 100, concurrency);

    const ratesByCase: Record<
      string,
      { handler: number[]; bare: number[]; handlerBatchMillis: number[]; bareBatchMillis: number[] }
    > = {};
    for (let round = 1; round <= rounds; round++) {
      for (const batch of BATCH_SIZES) {
        for (const share of DUPLICATE_SHARES) {
          const key = `b${batch}-d${Math.round(share * 100)}`;
          const r = (ratesByCase[key] ??= { handler: [], bare: [], handlerBatchMillis: [], bareBatchMillis: [] });
          ctx.log(`ingest round ${round}/${rounds}: batch ${batch}, ${share * 100}% duplicates, ${perPass} records`);
          const ph = prepare(perPass);
          const pb = prepare(perPass);
          await preStore(bareClient.client, table, ph, share);
          await preStore(bareClient.client, table, pb, share);
          const run = await runPaired(handler, bareClient.client, table, ph, pb, batch, concurrency);
          r.handler.push(ratePerSecond(perPass, run.handlerMillis));
          r.handlerBatchMillis.push(median(run.handlerPerBatch));
          r.bare.push(ratePerSecond(perPass, run.bareMillis));
          r.bareBatchMillis.push((run.bareMillis / perPass) * batch);
        }
      }
    }

    // Cost per new reading and per duplicate, counted on the warm handler.
    const n = ctx.quick ? 200 : 2000;
    ctx.log(`ingest: counting requests and write units, ${n} new readings then the same ${n} again`);
    const fresh = prepare(n);
    handlerClient.reset();
    await runHandler(handler, fresh, 100);
    const perNew = perUnit(handlerClient.counts(), n);
    const newCounts = handlerClient.counts();
    handlerClient.reset();
    // the same records again, as a redelivery: every one a duplicate
    nextSequence -= n;
    await runHandler(handler, fresh, 100);
    const perDup = perUnit(handlerClient.counts(), n);
    const dupCounts = handlerClient.counts();
    const storedItemBytes =
      fresh.items.reduce((s, item) => s + itemSize(item), 0) / fresh.items.length + STORAGE_OVERHEAD_BYTES;
    const recordBytes =
      fresh.records.reduce((s, r) => s + r.data.byteLength + Buffer.byteLength(r.partitionKey), 0) /
      fresh.records.length;
    Object.assign(details, { cold, perNew, perDup, newCounts, dupCounts, storedItemBytes, recordBytes, ratesByCase });

    for (const batch of BATCH_SIZES) {
      for (const share of DUPLICATE_SHARES) {
        const r = ratesByCase[`b${batch}-d${Math.round(share * 100)}`]!;
        const mid = medianRound(r.handler, r.bare);
        figures.push(
          makeFigure({
            id: `ingest.b${batch}-d${Math.round(share * 100)}`,
            benchmark: 'ingest',
            name: `Ingest handler, batch ${batch}, ${share * 100}% duplicates`,
            value: mid?.value ?? NaN,
            unit: 'records/s',
            reference: { name: `bare conditional-write loop, ${concurrency} at a time`, value: mid?.reference ?? NaN },
            target: { of: 'ratio', op: '>=', threshold: 0.8, text: '>= 80% of bare loop' },
            note: `${perPass.toLocaleString('en-US')} records per pass, the round with the median ratio of ${rounds}, per-round ratios ${r.handler.map((h, i) => `${((h / (r.bare[i] ?? NaN)) * 100).toFixed(0)}%`).join(', ')}; handler ${median(r.handlerBatchMillis).toFixed(0)} ms per batch (median)`,
          }),
        );
      }
    }
    figures.push(
      makeFigure({
        id: 'ingest.write-requests-per-new',
        benchmark: 'ingest',
        name: 'DynamoDB write requests per new reading',
        value: perNew.writeRequests,
        unit: 'requests',
        target: { of: 'value', op: '<=', threshold: 1, text: '<= 1' },
        note: `warm container; a series first seen by a container costs ${cold.writeRequests.toFixed(2)} write requests per reading (the series registry)`,
      }),
      makeFigure({
        id: 'ingest.write-units-per-new',
        benchmark: 'ingest',
        name: 'DynamoDB write units per new reading',
        value: perNew.writeUnits,
        unit: 'WCU',
        target: { of: 'value', op: '<=', threshold: 1, text: '<= 1' },
        note: `as DynamoDB Local reports them (ReturnConsumedCapacity TOTAL); stored item ${Math.round(storedItemBytes - STORAGE_OVERHEAD_BYTES)} bytes`,
      }),
      makeFigure({
        id: 'ingest.write-units-per-duplicate',
        benchmark: 'ingest',
        name: 'DynamoDB write units per duplicate',
        value: perDup.writeUnits,
        unit: 'WCU',
        reference: { name: 'per new reading', value: perNew.writeUnits },
        target: { of: 'ratio', op: '<=', threshold: 1, text: '<= a new reading' },
        note: 'a refused conditional write is charged by DynamoDB; DynamoDB Local reports no capacity for it, so its units are computed from the item sizes',
      }),
      makeFigure({
        id: 'ingest.requests-per-duplicate',
        benchmark: 'ingest',
        name: 'DynamoDB requests per duplicate',
        value: perDup.requests,
        unit: 'requests',
        reference: { name: 'per new reading', value: perNew.requests },
        target: { of: 'ratio', op: '<=', threshold: 1, text: '<= a new reading' },
        note: `commands: ${JSON.stringify(dupCounts.commands)}`,
      }),
    );
  } finally {
    handlerClient.client.destroy();
    bareClient.client.destroy();
    await dynamo.local.stop();
  }
  return { figures, details };
}
