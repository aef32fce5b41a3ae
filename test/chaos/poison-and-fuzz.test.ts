/**
 * Scenario 6, poison and fuzz: at least 100,000 generated and mutated Kinesis records (fast-check: valid readings,
 * payloads mutated at the JSON and the byte level, random bytes, broken stream envelopes, oversized payloads, broken
 * topics) through the real ingest handler against DynamoDB Local, in batches of 500 on one shard, in stream order.
 * The handler must never throw and never report a batch item failure for bad input (that would block the shard);
 * afterwards every input is accounted for: stored (first delivery of a reading), a duplicate of a stored reading
 * with the same facts, or quarantined with the reason `core/` gives it (or `conflict`), and nothing else is in
 * either table.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import {
  decodeReading,
  decodeStreamRecord,
  isSameReading,
  partitionKeyFor,
  normalizeDecimal,
  SERIES_REGISTRY_PREFIX,
  type ReadingFacts,
} from '../../core';
import { createHandler } from '../../functions/ingest';
import { Logger } from '../../functions/shared/logger';
import { Metrics } from '../../functions/shared/metrics';
import { scanAll } from './support/audit';
import { defineScenario } from './support/define-scenario';
import { kinesisData } from './support/fuzz-inputs';
import { seconds } from './support/scenario';
import { TABLES } from './support/world';

/** Shards handled at once, as the event source mapping does; a record's shard follows its partition key. */
const SHARDS = 4;
const BATCH = 500;
const ROUNDS = 50;
/**
 * Retries of a batch whose records the handler reported as failed (an infrastructure failure: DynamoDB Local slow
 * under load), as the event source mapping retries them; a record still failing after this many blocks its shard.
 */
const MAX_RETRIES = 10;
const scenario = defineScenario({ id: 'poison-and-fuzz', order: 6, title: 'Poison and fuzz' });
const { result } = scenario;

type Outcome =
  | { readonly kind: 'rejected'; readonly reason: string }
  | { readonly kind: 'reading'; readonly pk: string; readonly sk: string; readonly facts: ReadingFacts };

/** What `core/` says one record is, in the handler's documented order: envelope, truncation, topic, payload. */
function oracle(data: Uint8Array): Outcome {
  const envelope = decodeStreamRecord(data);
  if (!envelope.ok) return { kind: 'rejected', reason: envelope.reason };
  if (envelope.value.truncated) return { kind: 'rejected', reason: 'too-large' };
  const reading = decodeReading(envelope.value.topic, envelope.value.payload);
  if (!reading.ok) return { kind: 'rejected', reason: reading.reason };
  const r = reading.value;
  return {
    kind: 'reading',
    pk: r.seriesKey,
    sk: r.readingTime,
    facts: { value: r.value, readingTime: r.readingTime, intervalStart: r.intervalStart, systemTime: r.systemTime },
  };
}

interface FuzzRecord {
  readonly shard: string;
  readonly seq: string;
  readonly data: Uint8Array;
}

/** The shard of a record: by the partition key the bridge would give it, so one meter's records share a shard. */
function shardOf(data: Uint8Array, seq: string): string {
  const envelope = decodeStreamRecord(data);
  const key = envelope.ok ? partitionKeyFor(envelope.value.topic) : seq;
  const n = createHash('md5').update(key).digest().readUInt32BE(0) % SHARDS;
  return `shardId-${String(n).padStart(12, '0')}`;
}

function eventOf(records: readonly FuzzRecord[]): KinesisStreamEvent {
  return {
    Records: records.map(({ shard, seq, data }): KinesisStreamRecord => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: createHash('md5').update(seq).digest('hex'),
        sequenceNumber: seq,
        data: Buffer.from(data).toString('base64'),
        approximateArrivalTimestamp: Date.now() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shard}:${seq}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/chaos',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/chaos',
    })),
  };
}

/**
 * Hands a shard's batch to the handler like the event source mapping: a batch item failure (an infrastructure
 * failure) restarts the batch from the first failed record, with backoff; bad input must never be one.
 * Returns the retries made; throws when a record keeps failing (the shard would be blocked).
 */
async function deliver(handler: ReturnType<typeof createHandler>, batch: readonly FuzzRecord[]): Promise<number> {
  let pending = batch;
  for (let retries = 0; ; retries++) {
    const response = await handler(eventOf(pending));
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    if (failed.size === 0) return retries;
    const first = pending.findIndex((r) => failed.has(r.seq));
    if (first < 0) throw new Error(`batch item failures name no record of the batch: ${[...failed].join(', ')}`);
    if (retries >= MAX_RETRIES) {
      throw new Error(
        `shard ${pending[first]!.shard} blocked: record ${pending[first]!.seq} failed ${retries + 1} times`,
      );
    }
    pending = pending.slice(first);
    await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** retries)));
  }
}

describe('scenario 6: poison and fuzz', () => {
  it(`never throws, never blocks a shard, and accounts for every one of ${SHARDS * BATCH * ROUNDS} generated records`, async () => {
    // GIVEN the real handler on DynamoDB Local
    const tables = await scenario.tables();
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const handler = createHandler({
      client: tables.client,
      config: {
        readingsTableName: TABLES.readings,
        quarantineTableName: TABLES.quarantine,
        quarantineRetentionDays: 90,
      },
      logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }),
      metrics: new Metrics({ namespace: 'MeterReadings', serviceName: 'ingest' }),
    });

    // WHEN 50 rounds of 2,000 generated records are handed to it, each round as one batch per shard, shards at once
    const expectedQuarantine = new Map<string, string>();
    const firstOf = new Map<string, ReadingFacts>();
    const counts = { inputs: 0, stored: 0, duplicates: 0, conflicts: 0, rejected: 0 };
    const byReason: Record<string, number> = {};
    let seq = 0;
    let handlerTime = 0;
    let infraRetries = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(kinesisData, { minLength: SHARDS * BATCH, maxLength: SHARDS * BATCH }),
        async (round) => {
          const records = round.map((data): FuzzRecord => {
            const s = String(10n ** 20n + BigInt(++seq));
            return { shard: shardOf(data, s), seq: s, data };
          });
          const byShard = new Map<string, FuzzRecord[]>();
          for (const r of records) byShard.set(r.shard, [...(byShard.get(r.shard) ?? []), r]);
          const began = Date.now();
          // THEN the handler never throws, and every batch completes: bad input never blocks a shard
          const retries = await Promise.all([...byShard.values()].map((batch) => deliver(handler, batch)));
          infraRetries += retries.reduce((a, b) => a + b, 0);
          handlerTime += Date.now() - began;
          // Stream order per shard is the generated order, so the first delivery of a reading is its first here.
          for (const { shard, seq: s, data } of records) {
            counts.inputs++;
            const outcome = oracle(data);
            const key = `${shard}/${s}`;
            if (outcome.kind === 'rejected') {
              counts.rejected++;
              byReason[outcome.reason] = (byReason[outcome.reason] ?? 0) + 1;
              expectedQuarantine.set(key, outcome.reason);
              continue;
            }
            const identity = `${outcome.pk}\u0000${outcome.sk}`;
            const first = firstOf.get(identity);
            if (!first) {
              counts.stored++;
              firstOf.set(identity, outcome.facts);
            } else if (isSameReading(first, outcome.facts)) {
              counts.duplicates++;
            } else {
              counts.conflicts++;
              expectedQuarantine.set(key, 'conflict');
            }
          }
        },
      ),
      { numRuns: ROUNDS, seed: 6, endOnFailure: true },
    );

    // THEN every input is accounted for, and nothing else is in either table
    const [readings, quarantine] = await Promise.all([
      scanAll(tables.direct, TABLES.readings, 'pk, sk, #v', { '#v': 'value' }),
      scanAll(tables.direct, TABLES.quarantine, 'pk, sk, reason'),
    ]);
    const problems: string[] = [];
    const storedKeys = new Set<string>();
    for (const item of readings) {
      const pk = item.pk?.S ?? '';
      if (pk.startsWith(SERIES_REGISTRY_PREFIX)) continue;
      const identity = `${pk}\u0000${item.sk?.S}`;
      storedKeys.add(identity);
      const first = firstOf.get(identity);
      const stored = normalizeDecimal(item.value?.N ?? '');
      if (!first) problems.push(`reading nobody sent: ${pk} ${item.sk?.S}`);
      else if (!stored.ok || stored.value !== first.value) {
        problems.push(`${pk} ${item.sk?.S} holds ${item.value?.N}, first delivered ${first.value}`);
      }
    }
    for (const identity of firstOf.keys()) {
      if (!storedKeys.has(identity)) problems.push(`reading not stored: ${identity.replace('\u0000', ' ')}`);
    }
    const quarantined = new Set<string>();
    for (const item of quarantine) {
      const key = item.pk?.S ?? '';
      quarantined.add(key);
      const want = expectedQuarantine.get(key);
      const reason = item.reason?.S ?? item.sk?.S;
      if (!want) problems.push(`quarantine item for a record that is not bad: ${key} ${reason}`);
      else if (want !== reason) problems.push(`${key} quarantined as ${reason}, core says ${want}`);
    }
    for (const [key, reason] of expectedQuarantine) {
      if (!quarantined.has(key)) problems.push(`not quarantined: ${key} (${reason})`);
    }
    const lost =
      [...firstOf.keys()].filter((k) => !storedKeys.has(k)).length +
      [...expectedQuarantine.keys()].filter((k) => !quarantined.has(k)).length;

    result.messages = counts.inputs;
    result.faults = `${counts.rejected} poison records (${Object.keys(byReason).length} reasons), ${counts.conflicts} conflicts, ${counts.duplicates} duplicates`;
    result.faultCount = counts.rejected + counts.conflicts;
    result.lost = lost;
    result.duplicatedRows = problems.length - lost;
    result.notes!.push(
      `${counts.stored} stored, ${counts.duplicates} duplicates, ${counts.conflicts} conflicts, ${counts.rejected} rejected by reason ` +
        `${JSON.stringify(byReason)}; handler time ${seconds(handlerTime)} s (${Math.round(counts.inputs / (handlerTime / 1000))} records/s); ` +
        `${infraRetries} batch retries after infrastructure failures (DynamoDB Local timing out under load)`,
    );
    expect(counts.inputs).toBeGreaterThanOrEqual(100_000);
    expect(problems.slice(0, 20)).toEqual([]);
    expect(readings.filter((i) => !(i.pk?.S ?? '').startsWith(SERIES_REGISTRY_PREFIX)).length).toBe(counts.stored);
    expect(quarantine.length).toBe(counts.rejected + counts.conflicts);
    result.passed = true;
  }, 900_000);
});
