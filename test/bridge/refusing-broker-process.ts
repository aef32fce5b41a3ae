/**
 * A broker that behaves like the provider's towards an unauthorised client (aedes, in its own process because aedes
 * is an ES module): `node --import tsx refusing-broker-process.ts <port> <mode>`.
 * - `refuse`: refuses (SUBACK 0x80) any subscription outside `meters/outbound/c1/`.
 * - `kick`: grants every subscription, then closes the connection right after the SUBACK.
 * - `reset`: grants every subscription, then resets the connection (TCP RST: ECONNRESET at the client) after the SUBACK.
 * - `reset-connack`: resets the connection right after the CONNACK.
 * Prints `{"ready":true}` when listening; counts connections on stdout as `{"connection":n}`.
 */
import { createServer } from 'node:net';

async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const mode = process.argv[3];
  const { Aedes } = (await import('aedes')) as typeof import('aedes');
  const broker = await Aedes.createBroker({
    authorizeSubscribe: (_client, sub, callback) => {
      // `reset-connack` never answers the SUBSCRIBE: its reset must come after the CONNACK and before any SUBACK.
      if (mode === 'reset-connack') return;
      callback(null, mode === 'refuse' && !sub.topic.startsWith('meters/outbound/c1/') ? null : sub);
    },
  });
  let connections = 0;
  broker.on('client', () => console.log(JSON.stringify({ connection: ++connections })));
  if (mode === 'kick') broker.on('subscribe', (_subs, client) => setTimeout(() => client?.close(), 10));
  // A broker under load whose kick arrives as a reset rather than an orderly close. 100 ms, not 10: a TCP RST makes
  // the receiving kernel discard what the client has not read yet, so a reset that overtakes the CONNACK or SUBACK on
  // a busy machine leaves the client nothing to diagnose by (seen in CI with two test workers).
  const reset = (client: unknown) =>
    setTimeout(
      () => (client as { conn?: { resetAndDestroy?: () => void } } | undefined)?.conn?.resetAndDestroy?.(),
      100,
    );
  if (mode === 'reset') broker.on('subscribe', (_subs, client) => reset(client));
  if (mode === 'reset-connack') broker.on('connackSent', (_packet, client) => reset(client));
  const server = createServer(broker.handle);
  server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({ ready: true })));
  process.once('SIGTERM', () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
