import { connectAsync } from 'mqtt';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../local/services/embedded-broker';
import { FeedPlan } from '../../local/simulator/feed';
import { startSimulator } from '../../local/simulator/publisher';

let broker: EmbeddedBroker;

beforeAll(async () => {
  broker = await startEmbeddedBroker();
});

afterAll(async () => {
  await broker.stop();
});

describe('the simulator publishing to a broker', () => {
  it('publishes exactly the planned feed at QoS 1 and enters each acknowledged message in its books', async () => {
    // GIVEN a subscriber on the customer's base topic
    const subscriber = await connectAsync(broker.url, { clientId: 'publisher-test-subscriber' });
    const received: { topic: string; payload: string }[] = [];
    subscriber.on('message', (topic, payload) => received.push({ topic, payload: payload.toString('base64') }));
    await subscriber.subscribeAsync('meters/outbound/demo/#', { qos: 1 });
    try {
      // WHEN the simulator publishes 400 messages of seed 4
      const simulator = await startSimulator({
        brokerUrl: broker.url,
        count: 400,
        ratePerSecond: 2000,
        feed: { seed: 4 },
      });
      const books = await simulator.finished;
      // THEN the books hold 400 messages and the broker delivered the same 400, in the plan's order
      expect(books.published).toBe(400);
      expect(books.unique + books.duplicatesPublished + books.malformed.total).toBe(400);
      expect(simulator.failed()).toBe(0);
      const deadline = Date.now() + 10_000;
      while (received.length < 400 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const plan = new FeedPlan({ seed: 4 });
      const planned = Array.from({ length: 400 }, () => plan.next()).map((m) => ({
        topic: m.topic,
        payload: m.payload.toString('base64'),
      }));
      expect(received).toEqual(planned);
    } finally {
      await subscriber.endAsync();
    }
  }, 30_000);

  it('stops at the duration and disconnects', async () => {
    const simulator = await startSimulator({ brokerUrl: broker.url, durationMillis: 500, ratePerSecond: 100 });
    const started = Date.now();
    const books = await simulator.finished;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(books.published).toBeGreaterThan(10);
    expect(books.published).toBeLessThan(100);
  }, 30_000);
});
