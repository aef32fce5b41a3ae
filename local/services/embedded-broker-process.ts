/**
 * The embedded MQTT broker (aedes), as its own process: `tsx local/services/embedded-broker-process.ts --port N`.
 * aedes is an ES module, so it runs apart from the CommonJS test runner. Sessions and QoS 1 queues are kept in memory
 * (clean session = false works while this process lives). Prints one JSON line `{"ready":true,"port":N}` when
 * listening; SIGTERM or SIGINT closes it.
 */
import { createServer } from 'node:net';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portArg = args[args.indexOf('--port') + 1];
  const port = args.includes('--port') ? Number(portArg) : 1883;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer from 0 to 65535, got ${JSON.stringify(portArg)}`);
    process.exit(2);
  }
  const { Aedes } = (await import('aedes')) as typeof import('aedes');
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.on('error', (err: NodeJS.ErrnoException) => {
    console.error(err.code === 'EADDRINUSE' ? `port ${port} is already in use` : `broker error: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address();
    console.log(JSON.stringify({ ready: true, port: typeof address === 'object' && address ? address.port : port }));
  });
  const close = () => {
    server.close();
    broker.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

main().catch((err: unknown) => {
  console.error(`embedded broker failed: ${(err as Error).message}`);
  process.exit(1);
});
