/**
 * The paced publisher and the MQTT-hop subscriber in their own process (`tsx bench/support/publisher-process.ts
 * <json options>`), so that their timing does not share an event loop with the pipeline under test. Writes to the
 * file named in the options `{"published":[[key, epochMillis]...],"hop":[[key, epochMillis]...]}` and exits 0.
 */
import { writeFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { decodeReading } from '../../core';
import { BENCH_FILTER } from './messages';
import { nowEpochMillis, readingKey, startPacedPublisher, type PublisherProcessOptions } from './paced-publisher';

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2] ?? '{}') as PublisherProcessOptions;
  const hop = new Map<string, number>();
  const subscriber = await mqtt.connectAsync(o.url, { clientId: `bench-hop-${process.pid}`, clean: true });
  await subscriber.subscribeAsync(BENCH_FILTER, { qos: 1 });
  subscriber.on('message', (topic, payload) => {
    const r = decodeReading(topic, payload);
    if (r.ok) hop.set(readingKey(r.value.seriesKey, r.value.readingTime), nowEpochMillis());
  });
  const publisher = await startPacedPublisher(o);
  await publisher.done;
  const deadline = Date.now() + 30_000;
  while (hop.size < publisher.publishedAt.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await subscriber.endAsync();
  const toEpoch = (t: number) => performance.timeOrigin + t;
  writeFileSync(
    o.outFile,
    JSON.stringify({
      published: [...publisher.publishedAt].map(([k, t]) => [k, toEpoch(t)]),
      hop: [...hop],
    }),
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`publisher failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
