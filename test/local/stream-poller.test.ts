import '../../local/quiet-sdk';
import { PutRecordsCommand, SplitShardCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { localKinesisClient } from '../../local/aws-clients';
import { createStream } from '../../local/pipeline';
import { startKinesisLocal, type KinesisLocal } from '../../local/services/kinesis-local';
import { startStreamPoller, type StreamPoller, type StreamPollerOptions } from '../../local/stream-poller';
import { until } from '../support/until';

let kinesis: KinesisLocal;
let client: KinesisClient;
let streamCount = 0;
const pollers: StreamPoller[] = [];

beforeAll(async () => {
  kinesis = await startKinesisLocal();
  client = localKinesisClient(kinesis.endpoint);
});

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop({ timeoutMillis: 2000 })));
});

afterAll(async () => {
  client.destroy();
  await kinesis.stop();
});

/** A new stream holding `n` records `r0..r(n-1)`, spread over `keys` partition keys. */
async function streamWith(n: number, shards: number, keys = 4): Promise<string> {
  const name = `poller-test-${++streamCount}`;
  await createStream(client, name, shards);
  for (let i = 0; i < n; i += 500) {
    const entries = Array.from({ length: Math.min(500, n - i) }, (_, j) => ({
      Data: Buffer.from(`r${i + j}`),
      PartitionKey: `key-${(i + j) % keys}`,
    }));
    const out = await client.send(new PutRecordsCommand({ StreamName: name, Records: entries }));
    expect(out.FailedRecordCount ?? 0).toBe(0);
  }
  return name;
}

const dataOf = (event: KinesisStreamEvent) =>
  event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

async function poll(options: Omit<StreamPollerOptions, 'client'>): Promise<StreamPoller> {
  const poller = await startStreamPoller({
    client,
    idlePollMillis: 20,
    retryBaseMillis: 5,
    retryMaxMillis: 20,
    ...options,
  });
  pollers.push(poller);
  return poller;
}

describe('the stream poller', () => {
  it('delivers every record once, per shard in order, in Lambda-shaped events of at most the batch size', async () => {
    // GIVEN a stream of 2 shards with 300 records
    const streamName = await streamWith(300, 2);
    const seen: string[] = [];
    const perShard = new Map<string, string[]>();
    let largest = 0;
    // WHEN the poller runs with a batch size of 40
    const poller = await poll({
      streamName,
      batchSize: 40,
      handler: async (event) => {
        largest = Math.max(largest, event.Records.length);
        for (const r of event.Records) {
          expect(r.eventSource).toBe('aws:kinesis');
          expect(r.eventSourceARN).toContain(streamName);
          expect(r.eventID).toBe(`${r.eventID.split(':')[0]}:${r.kinesis.sequenceNumber}`);
          expect(typeof r.kinesis.approximateArrivalTimestamp).toBe('number');
          const shard = r.eventID.split(':')[0]!;
          perShard.set(shard, [...(perShard.get(shard) ?? []), r.kinesis.sequenceNumber]);
        }
        seen.push(...dataOf(event));
        return { batchItemFailures: [] };
      },
    });
    await until(() => seen.length >= 300);
    expect(await poller.waitUntilCaughtUp(5000)).toBe(true);
    // THEN each record came once, in order within its shard, never more than 40 at a time
    expect(new Set(seen).size).toBe(300);
    expect(seen).toHaveLength(300);
    expect(largest).toBeLessThanOrEqual(40);
    expect(perShard.size).toBe(2);
    for (const seqs of perShard.values()) {
      const sorted = [...seqs].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      expect(seqs).toEqual(sorted);
    }
    expect(poller.stats().recordsProcessed).toBe(300);
    expect(Object.keys(poller.checkpoints())).toHaveLength(2);
  });

  it('restarts from the first failed record on batchItemFailures and checkpoints the records before it', async () => {
    // GIVEN one shard of 10 records and a handler that fails r4 and r7 once each
    const streamName = await streamWith(10, 1);
    const calls: string[][] = [];
    const failOnce = new Set(['r4', 'r7']);
    const poller = await poll({
      streamName,
      batchSize: 10,
      handler: async (event): Promise<KinesisStreamBatchResponse> => {
        const data = dataOf(event);
        calls.push(data);
        const failures = event.Records.filter((r, i) => failOnce.has(data[i]!));
        for (const r of failures) failOnce.delete(Buffer.from(r.kinesis.data, 'base64').toString());
        return { batchItemFailures: failures.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) };
      },
    });
    await until(() => poller.stats().recordsProcessed === 10);
    // THEN the retry starts at the first failed record (r4), and nothing before it is delivered again
    expect(calls[0]).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    expect(calls[1]).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    expect(calls).toHaveLength(2);
    expect(poller.stats().partialFailures).toBe(1);
  });

  it('retries a batch whose handler throws, then records it on failure after the last retry and moves on', async () => {
    // GIVEN a handler that always throws on r2's batch
    const streamName = await streamWith(6, 1);
    let attempts = 0;
    const delivered: string[] = [];
    const poller = await poll({
      streamName,
      batchSize: 3,
      maxRetryAttempts: 2,
      handler: async (event) => {
        const data = dataOf(event);
        if (data.includes('r2')) {
          attempts++;
          throw new Error('DynamoDB is down');
        }
        delivered.push(...data);
        return { batchItemFailures: [] };
      },
    });
    await until(() => delivered.length === 3);
    // THEN the failing batch was tried 1 + 2 times, recorded on failure, and the next batch went through
    expect(attempts).toBe(3);
    const stats = poller.stats();
    expect(stats.onFailure).toHaveLength(1);
    expect(stats.onFailure[0]).toMatchObject({ batchSize: 3, attempts: 3, error: 'DynamoDB is down' });
    expect(stats.recordsSkipped).toBe(3);
    expect(delivered).toEqual(['r3', 'r4', 'r5']);
    expect(stats.functionErrors).toBe(3);
  });

  it('fails the whole batch when the handler names a record that is not in it', async () => {
    const streamName = await streamWith(3, 1);
    const calls: string[][] = [];
    const poller = await poll({
      streamName,
      handler: async (event) => {
        calls.push(dataOf(event));
        return calls.length === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-a-sequence-number' }] } : undefined;
      },
    });
    await until(() => poller.stats().recordsProcessed === 3);
    expect(calls).toEqual([
      ['r0', 'r1', 'r2'],
      ['r0', 'r1', 'r2'],
    ]);
  });

  it('gathers records for the batching window before invoking with less than a full batch', async () => {
    // GIVEN an empty stream and a poller with a 1.5 s window
    const streamName = await streamWith(0, 1);
    const sizes: number[] = [];
    await poll({
      streamName,
      batchSize: 100,
      batchingWindowMillis: 1500,
      handler: async (event) => {
        sizes.push(event.Records.length);
        return { batchItemFailures: [] };
      },
    });
    // WHEN 5 records arrive 100 ms apart
    for (let i = 0; i < 5; i++) {
      await client.send(
        new PutRecordsCommand({ StreamName: streamName, Records: [{ Data: Buffer.from(`w${i}`), PartitionKey: 'k' }] }),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await until(() => sizes.reduce((a, b) => a + b, 0) === 5);
    // THEN they came in one invocation
    expect(sizes).toEqual([5]);
  });

  it('resumes from given checkpoints', async () => {
    const streamName = await streamWith(8, 1);
    const first: string[] = [];
    const a = await poll({ streamName, batchSize: 5, handler: async (e) => void first.push(...dataOf(e)) });
    await until(() => first.length === 8);
    await a.stop();
    await client.send(
      new PutRecordsCommand({ StreamName: streamName, Records: [{ Data: Buffer.from('late'), PartitionKey: 'k' }] }),
    );
    const second: string[] = [];
    await poll({ streamName, checkpoints: a.checkpoints(), handler: async (e) => void second.push(...dataOf(e)) });
    await until(() => second.length === 1);
    expect(second).toEqual(['late']);
  });

  it('discovers child shards after a split and reads them after their parent', async () => {
    // GIVEN a one-shard stream with records, being polled
    const streamName = await streamWith(20, 1, 1);
    const seen: string[] = [];
    const poller = await poll({
      streamName,
      shardDiscoveryMillis: 100,
      handler: async (e) => void seen.push(...dataOf(e)),
    });
    await until(() => seen.length === 20);
    // WHEN the shard is split and more records are written
    const parent = poller.stats().shards[0]!.shardId;
    await client.send(
      new SplitShardCommand({
        StreamName: streamName,
        ShardToSplit: parent,
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 10; i++) {
      await client.send(
        new PutRecordsCommand({
          StreamName: streamName,
          Records: [{ Data: Buffer.from(`after${i}`), PartitionKey: `p${i}` }],
        }),
      );
    }
    // THEN the children are found and read, and the parent is finished
    await until(() => seen.length === 30);
    const shards = poller.stats().shards;
    expect(shards.length).toBe(3);
    expect(shards.find((s) => s.shardId === parent)?.finished).toBe(true);
  });
});
