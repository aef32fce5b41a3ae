/**
 * Reference A: a bare MQTT.js client that resumes a persistent session, lets MQTT.js acknowledge every QoS 1 message
 * as it arrives, and does nothing else. Its drain rate is the most any MQTT consumer in Node.js could reach here.
 */
import mqtt from 'mqtt';

/** Drains `count` messages from the session of `clientId`; resolves with the milliseconds from CONNECT to the last. */
export async function drainWithBareClient(
  url: string,
  clientId: string,
  count: number,
  timeoutMillis: number,
): Promise<number> {
  const start = performance.now();
  const client = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 0, protocolVersion: 4 });
  let received = 0;
  try {
    return await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bare client drained ${received} of ${count} in ${timeoutMillis} ms`)),
        timeoutMillis,
      );
      // attached before the CONNACK: a resumed session's messages arrive right behind it
      client.on('message', () => {
        received += 1;
        if (received === count) {
          clearTimeout(timer);
          resolve(performance.now() - start);
        }
      });
      client.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  } finally {
    // let the last PUBACK go out before closing
    await new Promise((r) => setImmediate(r));
    await client.endAsync();
  }
}
