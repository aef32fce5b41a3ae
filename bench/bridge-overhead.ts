/**
 * Figure 1, bridge overhead: drain a backlog of QoS 1 messages waiting in a persistent mosquitto session.
 * - Reference A: a bare MQTT.js client that acknowledges on receipt and does nothing else.
 * - The bridge with an in-memory sink that accepts at once (its own cost), against A: target >= 50%.
 * - The bridge with its own Kinesis sink against kinesalite, against reference B: that sink alone writing the same
 *   envelopes in the same batch sizes, no MQTT: target >= 80%.
 * Each round runs every subject back to back on a fresh backlog; the figure is the median over rounds.
 */
import { DeleteStreamCommand } from '@aws-sdk/client-kinesis';
import { encodeStreamRecord } from '../core';
import { prepareBacklog } from './support/backlog';
import { drainWithBareClient } from './support/bare-mqtt-drain';
import { drainWithBridge, writeWithSinkAlone } from './support/bridge-in-process';
import type { BenchContext, BenchOutput } from './support/context';
import { makeFigure } from './support/figures';
import { startKinesisLocalProcess } from '../local/services/kinesis-local-process';
import { createBenchStream, localKinesisClient } from './support/kinesis';
import { benchMessage, customerOf } from './support/messages';
import { startMosquitto } from './support/mosquitto';
import { median, medianRound, ratePerSecond } from './support/stats';

/** The broker's in-flight window for this figure (generous: the drain, not the window, is measured here). */
export const OVERHEAD_MAX_INFLIGHT = 1000;

/** Runs figure 1. */
export async function benchBridgeOverhead(ctx: BenchContext): Promise<BenchOutput> {
  const count = ctx.quick ? 20_000 : 100_000;
  const rounds = ctx.quick ? 1 : 3;
  const timeout = ctx.quick ? 60_000 : 300_000;
  const mosquitto = await startMosquitto({ maxInflight: OVERHEAD_MAX_INFLIGHT });
  const kinesis = await startKinesisLocalProcess();
  process.env.AWS_ENDPOINT_URL_KINESIS = kinesis.endpoint;
  const admin = localKinesisClient(kinesis.endpoint);
  const rates = { a: [] as number[], instant: [] as number[], kinesis: [] as number[], b: [] as number[] };
  const fromConnect = { a: [] as number[], instant: [] as number[], kinesis: [] as number[] };
  const batchSizes: number[] = [];
  const callMillis = { bridge: [] as number[], b: [] as number[] };
  try {
    for (let round = 1; round <= rounds; round++) {
      const tag = `${process.pid}-${round}`;
      // every backlog first, so that the drains compared with each other run back to back
      ctx.log(`bridge-overhead round ${round}/${rounds}: three backlogs of ${count} messages`);
      for (const who of ['a', 'i', 'k']) await prepareBacklog(mosquitto.url, `bench-${who}-${tag}`, count);
      ctx.log(`bridge-overhead round ${round}/${rounds}: reference A (bare MQTT.js)`);
      const a = await drainWithBareClient(mosquitto.url, `bench-a-${tag}`, count, timeout);
      rates.a.push(ratePerSecond(count, a.fromFirstMessage));
      fromConnect.a.push(ratePerSecond(count, a.fromConnect));

      ctx.log(`bridge-overhead round ${round}/${rounds}: bridge, instant sink`);
      const instant = await drainWithBridge(mosquitto.url, `bench-i-${tag}`, count, { kind: 'instant' }, timeout);
      rates.instant.push(ratePerSecond(count, instant.fromFirstMessage));
      fromConnect.instant.push(ratePerSecond(count, instant.millis));

      ctx.log(`bridge-overhead round ${round}/${rounds}: bridge, Kinesis sink (kinesalite)`);
      const sizes: number[] = [];
      const stream = await createBenchStream(admin);
      const receivedAt = new Date();
      const records = Array.from({ length: count }, (_, i) =>
        encodeStreamRecord({ ...benchMessage(i, 1000, 0, customerOf(`bench-k-${tag}`)), receivedAt }),
      );
      const viaKinesis = await drainWithBridge(
        mosquitto.url,
        `bench-k-${tag}`,
        count,
        {
          kind: 'kinesis',
          streamName: stream,
          onBatch: (n) => sizes.push(n),
          onCallMillis: (ms) => callMillis.bridge.push(ms),
        },
        timeout,
      );
      rates.kinesis.push(ratePerSecond(count, viaKinesis.fromFirstMessage));
      fromConnect.kinesis.push(ratePerSecond(count, viaKinesis.millis));
      batchSizes.push(...sizes);

      ctx.log(`bridge-overhead round ${round}/${rounds}: reference B (Kinesis sink alone, ${sizes.length} batches)`);
      const streamB = await createBenchStream(admin);
      const bMillis = await writeWithSinkAlone(streamB, records, sizes, (ms) => callMillis.b.push(ms));
      rates.b.push(ratePerSecond(count, bMillis));
      // kinesalite keeps streams in memory: free this round's
      await Promise.all([stream, streamB].map((StreamName) => admin.send(new DeleteStreamCommand({ StreamName }))));
    }
  } finally {
    delete process.env.AWS_ENDPOINT_URL_KINESIS;
    admin.destroy();
    await kinesis.stop();
    await mosquitto.stop();
  }
  const perRound = (xs: number[], refs: number[]) =>
    `per-round ratios ${xs.map((x, i) => `${((x / (refs[i] ?? NaN)) * 100).toFixed(0)}%`).join(', ')}`;
  const instant = medianRound(rates.instant, rates.a);
  const viaKinesis = medianRound(rates.kinesis, rates.b);
  // the same round as the figure against B, so the two rows describe one drain
  const viaKinesisVsA = viaKinesis && {
    value: viaKinesis.value,
    reference: rates.a[viaKinesis.index] ?? NaN,
    index: viaKinesis.index,
  };
  const meanBatch = batchSizes.reduce((s, n) => s + n, 0) / Math.max(1, batchSizes.length);
  const setup = `${count.toLocaleString('en-US')} QoS 1 messages, mosquitto max_inflight_messages ${OVERHEAD_MAX_INFLIGHT}, timed from the first message to the last acknowledgement, the round with the median ratio of ${rounds}`;
  return {
    figures: [
      makeFigure({
        id: 'bridge.instant-sink',
        benchmark: 'bridge-overhead',
        name: 'Bridge drain, instant in-memory sink',
        value: instant?.value ?? NaN,
        unit: 'msg/s',
        reference: { name: 'A: bare MQTT.js auto-ack', value: instant?.reference ?? NaN },
        target: { of: 'ratio', op: '>=', threshold: 0.5, text: '>= 50% of A' },
        note: `${setup}; ${perRound(rates.instant, rates.a)}`,
      }),
      makeFigure({
        id: 'bridge.kinesis-sink',
        benchmark: 'bridge-overhead',
        name: 'Bridge drain, Kinesis sink (kinesalite)',
        value: viaKinesis?.value ?? NaN,
        unit: 'msg/s',
        reference: { name: 'B: its Kinesis sink alone', value: viaKinesis?.reference ?? NaN },
        target: { of: 'ratio', op: '>=', threshold: 0.8, text: '>= 80% of B' },
        note: `${setup}; ${perRound(rates.kinesis, rates.b)}; mean PutRecords batch ${meanBatch.toFixed(0)} records; median PutRecords call ${median(callMillis.bridge).toFixed(0)} ms in the bridge against ${median(callMillis.b).toFixed(0)} ms for the sink alone`,
      }),
      makeFigure({
        id: 'bridge.kinesis-sink-vs-a',
        benchmark: 'bridge-overhead',
        name: 'Bridge drain, Kinesis sink, against A',
        value: viaKinesisVsA?.value ?? NaN,
        unit: 'msg/s',
        reference: { name: 'A: bare MQTT.js auto-ack', value: viaKinesisVsA?.reference ?? NaN },
        note: 'for information: what acknowledging only after Kinesis costs against acknowledging on receipt',
      }),
    ],
    details: {
      count,
      rounds,
      rates,
      ratesFromConnect: fromConnect,
      meanBatch,
      maxInflight: OVERHEAD_MAX_INFLIGHT,
      putRecordsMillis: { bridgeMedian: median(callMillis.bridge), sinkAloneMedian: median(callMillis.b) },
    },
  };
}
