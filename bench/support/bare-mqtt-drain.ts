/**
 * Reference A: a bare MQTT.js client that resumes a persistent session, lets MQTT.js acknowledge every QoS 1 message
 * as it arrives, and does nothing else. Its drain rate is the most any MQTT consumer in Node.js could reach here.
 */
import mqtt from 'mqtt';

/** How long a drain took: from CONNECT and from the first message, to the last message. */
export interface DrainTimes {
  readonly fromConnect: number;
  readonly fromFirstMessage: number;
}

/** Drains `count` messages from the session of `clientId`. */
export async function drainWithBareClient(
  url: string,
  clientId: string,
  count: number,
  timeoutMillis: number,
): Promise<DrainTimes> {
  const start = performance.now();
  const client = mqtt.connect(url, { clientId, clean: false, reconnectPeriod: 0, protocolVersion: 4 });
  let received = 0;
  let first = 0;
  try {
    return await new Promise<DrainTimes>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bare client drained ${received} of ${count} in ${timeoutMillis} ms`)),
        timeoutMillis,
      );
      // attached before the CONNACK: a resumed session's messages arrive right behind it
      client.on('message', () => {
        received += 1;
        if (received === 1) first = performance.now();
        if (received === count) {
          clearTimeout(timer);
          const end = performance.now();
          resolve({ fromConnect: end - start, fromFirstMessage: end - first });
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
