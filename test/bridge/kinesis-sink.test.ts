/**
 * The Kinesis sink with several PutRecords calls in flight, against kinesalite: it uses the calls it is allowed, never
 * more; one partition key is never in two calls at once, so each key's records reach the stream in put order; the
 * entries Kinesis fails are retried before anything newer of their key, with one call in flight until a call succeeds
 * whole; every record is written and reported once. The latency and the failed entries are injected in the client
 * (SDK middleware): kinesalite answers at once and never fails an entry, the two things these checks need.
 */
import type { KinesisClient, PutRecordsCommandInput, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { decodeStreamRecord, encodeStreamRecord } from '../../core';
import { KinesisSink } from '../../bridge/src/kinesis-sink';
import { silentLogger } from '../../bridge/src/logger';
import { kinesisClientFor, sleep, startTestKinesis, waitUntil, type TestKinesis } from './harness';

jest.setTimeout(60_000);

/** One PutRecords call as the client saw it. */
interface Call {
  readonly no: number;
  readonly start: number;
  end: number;
  readonly keys: string[];
  readonly ns: number[];
  failed: number[];
}

/** Delays every call by `latencyMillis` (before it reaches kinesalite) and fails the entries `fail` picks. */
function instrument(
  client: KinesisClient,
  latencyMillis: (call: number) => number,
  fail: (call: number, n: number) => boolean = () => false,
): { calls: Call[]; maxConcurrent: () => number } {
  const calls: Call[] = [];
  let clock = 0;
  let inFlight = 0;
  let maxConcurrent = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const input = args.input as PutRecordsCommandInput;
      const records = input.Records ?? [];
      const call: Call = {
        no: calls.length + 1,
        start: ++clock,
        end: 0,
        keys: records.map((r) => r.PartitionKey ?? ''),
        ns: records.map((r) => nOf(r.Data)),
        failed: [],
      };
      calls.push(call);
      inFlight += 1;
      maxConcurrent = Math.max(maxConcurrent, inFlight);
      try {
        await sleep(latencyMillis(call.no));
        const failing = new Set(records.map((_, i) => i).filter((i) => fail(call.no, call.ns[i] as number)));
        const kept = records.filter((_, i) => !failing.has(i));
        const result =
          kept.length > 0
            ? await next({ ...args, input: { ...input, Records: kept } })
            : { output: { Records: [], FailedRecordCount: 0, $metadata: {} } as PutRecordsCommandOutput, response: {} };
        const output = result.output as PutRecordsCommandOutput;
        const keptResults = [...(output.Records ?? [])];
        output.Records = records.map((_, i) =>
          failing.has(i)
            ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'injected by the test' }
            : keptResults.shift()!,
        );
        output.FailedRecordCount = failing.size;
        call.failed = [...failing].map((i) => call.ns[i] as number);
        return result as typeof result & { output: never };
      } finally {
        inFlight -= 1;
        call.end = ++clock;
      }
    },
    { step: 'initialize', name: 'testSinkInstrument' },
  );
  return { calls, maxConcurrent: () => maxConcurrent };
}

function nOf(data: Uint8Array | undefined): number {
  const r = decodeStreamRecord(data ?? new Uint8Array());
  if (!r.ok) return -1;
  return (JSON.parse(Buffer.from(r.value.payload).toString('utf8')) as { n: number }).n;
}

/** Record `n` of meter `n % meters` (partition key `c1/m<meter>`). */
function recordOf(n: number, meters: number) {
  return encodeStreamRecord({
    topic: `meters/outbound/c1/s1/m${n % meters}`,
    payload: Buffer.from(JSON.stringify({ n })),
    receivedAt: new Date(Date.UTC(2026, 0, 1)),
    dup: false,
  });
}

describe('KinesisSink with several calls in flight', () => {
  let kinesis: TestKinesis;
  let sink: KinesisSink<number> | undefined;

  beforeAll(async () => {
    kinesis = await startTestKinesis(2);
  });
  afterEach(() => sink?.close());
  afterAll(async () => {
    await kinesis.stop();
  });

  /** A sink on an instrumented client; `written` collects the tokens in the order they were reported. */
  function makeSink(
    options: { maxCallsInFlight: number; maxBatchRecords: number },
    latencyMillis: (call: number) => number,
    fail?: (call: number, n: number) => boolean,
  ) {
    const client = kinesisClientFor(kinesis.local.endpoint);
    const observed = instrument(client, latencyMillis, fail);
    const written: number[] = [];
    sink = new KinesisSink<number>({
      client,
      streamName: kinesis.streamName,
      logger: silentLogger,
      retryMinMillis: 5,
      retryMaxMillis: 20,
      ...options,
      onWritten: (tokens) => written.push(...tokens),
    });
    return { sink, written, ...observed };
  }

  /** The `n`s of the records this test wrote (`from` up), per partition key, in shard order. */
  async function streamOrderByKey(from: number): Promise<Map<string, number[]>> {
    const byKey = new Map<string, number[]>();
    for (const r of await kinesis.readAll()) {
      const n = (JSON.parse(Buffer.from(r.payload).toString('utf8')) as { n: number }).n;
      if (n < from) continue;
      const key = r.topic.replace(/^meters\/outbound\/(c1)\/s1\/(m\d+)$/, '$1/$2');
      byKey.set(key, [...(byKey.get(key) ?? []), n]);
    }
    return byKey;
  }

  /** True when two calls were in flight at the same time. */
  const overlap = (a: Call, b: Call) => a.start < b.end && b.start < a.end;

  it.each([
    { maxCallsInFlight: 1, records: 400 },
    { maxCallsInFlight: 4, records: 400 },
  ])(
    'keeps up to $maxCallsInFlight PutRecords call(s) in flight and never more, writing each record once',
    async ({ maxCallsInFlight, records }) => {
      // GIVEN a sink allowed maxCallsInFlight calls of at most 50 records, on a Kinesis answering after 40 ms
      const base = 100_000 * maxCallsInFlight;
      const { sink, written, calls, maxConcurrent } = makeSink({ maxCallsInFlight, maxBatchRecords: 50 }, () => 40);
      // WHEN 400 records of 400 meters are put at once
      for (let i = 0; i < records; i++) sink.put(recordOf(base + i, records), base + i);
      await waitUntil(() => written.length >= records, 20_000, 'all written');
      // THEN it used exactly the calls it was allowed at once
      expect(maxConcurrent()).toBe(maxCallsInFlight);
      expect(calls.length).toBe(records / 50);
      // AND every record was reported written once and is in the stream once
      expect([...written].sort((a, b) => a - b)).toEqual(Array.from({ length: records }, (_, i) => base + i));
      const inStream = [...(await streamOrderByKey(base)).values()].flat();
      expect(inStream.filter((n) => n < base + records)).toHaveLength(records);
      expect(sink.queued).toBe(0);
    },
  );

  it('never has one partition key in two calls at once, so each key keeps its put order on the stream', async () => {
    // GIVEN a sink with 4 calls of 20 records, calls answering after 10 to 70 ms (later calls often first)
    const base = 1_000_000;
    const { sink, written, calls, maxConcurrent } = makeSink({ maxCallsInFlight: 4, maxBatchRecords: 20 }, (no) =>
      no % 3 === 1 ? 70 : 10,
    );
    // WHEN 600 records of only 30 meters are put, in bursts
    for (let burst = 0; burst < 6; burst++) {
      for (let i = burst * 100; i < (burst + 1) * 100; i++) sink.put(recordOf(base + i, 30), base + i);
      await sleep(15);
    }
    await waitUntil(() => written.length >= 600, 30_000, 'all written');
    // THEN several calls were in flight at once
    expect(maxConcurrent()).toBeGreaterThan(1);
    // AND no two calls in flight at the same time shared a partition key
    for (const a of calls) {
      for (const b of calls) {
        if (a.no >= b.no || !overlap(a, b)) continue;
        const shared = a.keys.filter((k) => b.keys.includes(k));
        expect({ calls: [a.no, b.no], shared }).toEqual({ calls: [a.no, b.no], shared: [] });
      }
    }
    // AND each meter's records are on the stream in the order they were put
    const byKey = await streamOrderByKey(base);
    expect(byKey.size).toBe(30);
    for (const [key, ns] of byKey) expect({ key, ns }).toEqual({ key, ns: [...ns].sort((x, y) => x - y) });
    expect([...written].sort((a, b) => a - b)).toEqual(Array.from({ length: 600 }, (_, i) => base + i));
  });

  it('retries failed entries before anything newer of their key, one call at a time until a call succeeds whole', async () => {
    // GIVEN a sink with 4 calls of 25 records where Kinesis fails, once each, every record of call 2 whose n is even
    const base = 2_000_000;
    const failedOnce = new Set<number>();
    const { sink, written, calls } = makeSink(
      { maxCallsInFlight: 4, maxBatchRecords: 25 },
      () => 20,
      (no, n) => {
        if (no !== 2 || n % 2 !== 0 || failedOnce.has(n)) return false;
        failedOnce.add(n);
        return true;
      },
    );
    // WHEN 500 records of 50 meters are put (call 2 holds records 25-49: each of its meters once, so Kinesis's own
    // reordering inside a call, failing one entry of a key and writing a later one, cannot happen there)
    for (let i = 0; i < 500; i++) sink.put(recordOf(base + i, 50), base + i);
    await waitUntil(() => written.length >= 500, 30_000, 'all written');
    // THEN some entries failed and were retried
    expect(failedOnce.size).toBeGreaterThan(0);
    expect(sink.stats.retriedEntries).toBe(failedOnce.size);
    // AND every failed entry was sent again, in a later call, before any newer record of its meter
    const firstFailure = calls.find((c) => c.failed.length > 0)!;
    for (const n of failedOnce) {
      const retried = calls.find((c) => c.no > 2 && c.ns.includes(n) && !c.failed.includes(n));
      expect(retried).toBeDefined();
      const key = `c1/m${n % 50}`;
      const newer = calls.filter((c) => c.ns.some((m, i) => m > n && c.keys[i] === key));
      for (const c of newer)
        expect({ n, newerCall: c.no, after: c.start > retried!.end }).toMatchObject({ after: true });
    }
    // AND after the failure answered, no two calls overlapped until a call had succeeded whole
    const afterFailure = calls.filter((c) => c.start > firstFailure.end);
    const firstWhole = afterFailure.find((c) => c.failed.length === 0)!;
    for (const c of afterFailure.filter((x) => x.start < firstWhole.end && x !== firstWhole)) {
      expect(overlap(c, firstWhole)).toBe(false);
    }
    // AND each meter's records are on the stream in put order, each record once
    const byKey = await streamOrderByKey(base);
    for (const [key, ns] of byKey) expect({ key, ns }).toEqual({ key, ns: [...ns].sort((x, y) => x - y) });
    expect([...byKey.values()].flat()).toHaveLength(500);
    expect([...written].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => base + i));
  });

  it('retries the failed entries of several calls in calls no larger than a batch, each key still in put order', async () => {
    // GIVEN a sink with 4 calls of 25 records where Kinesis fails every entry of the first four calls once, so that
    // 100 entries wait for a retry: more than one call may carry (500 on Kinesis; a larger call is refused whole)
    const base = 3_000_000;
    const failedOnce = new Set<number>();
    const { sink, written, calls } = makeSink(
      { maxCallsInFlight: 4, maxBatchRecords: 25 },
      () => 20,
      (no, n) => {
        if (no > 4 || failedOnce.has(n)) return false;
        failedOnce.add(n);
        return true;
      },
    );
    // WHEN 300 records of 100 meters are put at once (the first four calls take one record of each meter)
    for (let i = 0; i < 300; i++) sink.put(recordOf(base + i, 100), base + i);
    await waitUntil(() => written.length >= 300, 30_000, 'all written');
    // THEN 100 entries failed, and no call, retry or not, carried more than a batch
    expect(failedOnce.size).toBe(100);
    expect(Math.max(...calls.map((c) => c.ns.length))).toBeLessThanOrEqual(25);
    // AND each record was written once, each meter's records in put order
    const byKey = await streamOrderByKey(base);
    for (const [key, ns] of byKey) expect({ key, ns }).toEqual({ key, ns: [...ns].sort((x, y) => x - y) });
    expect([...byKey.values()].flat()).toHaveLength(300);
    expect([...written].sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => base + i));
  });

  it('fails at construction when maxCallsInFlight is not a positive integer', () => {
    expect(
      () =>
        new KinesisSink({
          client: kinesisClientFor(kinesis.local.endpoint),
          streamName: kinesis.streamName,
          logger: silentLogger,
          maxCallsInFlight: 0,
          onWritten: () => {},
        }),
    ).toThrow('maxCallsInFlight must be an integer of at least 1, got 0');
  });
});
