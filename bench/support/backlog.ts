/**
 * A backlog waiting at the broker: a persistent session (clean session off) subscribed at QoS 1 to its own customer's
 * topics (see `customerOf`), offline while N messages are published to it, so that whoever connects next with its
 * client id is handed all N at once, and no other session receives them.
 */
import mqtt from 'mqtt';
import { BENCH_FILTER, benchMessage, customerOf, filterFor, type BenchMessage } from './messages';

/** Creates (or resumes) the persistent session of `clientId`, subscribed at QoS 1, and leaves it offline. */
export async function createSession(url: string, clientId: string, filter = BENCH_FILTER): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId, clean: false, reconnectPeriod: 0, protocolVersion: 4 });
  const granted = await client.subscribeAsync(filter, { qos: 1 });
  if (granted[0]?.qos !== 1) throw new Error(`the broker refused ${filter} at QoS 1: ${JSON.stringify(granted)}`);
  await client.endAsync();
}

/** Publishes `count` messages at QoS 1, at most `inFlight` unacknowledged at a time; resolves when all are acked. */
export async function publishMessages(
  url: string,
  count: number,
  message: (i: number) => BenchMessage = (i) => benchMessage(i),
  inFlight = 1000,
): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    clientId: `bench-publisher-${process.pid}-${Date.now()}`,
    clean: true,
    reconnectPeriod: 0,
  });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const m = message(i);
      await client.publishAsync(m.topic, m.payload, { qos: 1 });
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
  await client.endAsync();
}

/** A persistent session of `clientId` holding `count` queued messages of its own customer. */
export async function prepareBacklog(url: string, clientId: string, count: number): Promise<void> {
  const customer = customerOf(clientId);
  await createSession(url, clientId, filterFor(customer));
  await publishMessages(url, count, (i) => benchMessage(i, 1000, 0, customer));
}
