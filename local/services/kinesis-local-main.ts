/**
 * kinesalite in its own process (`tsx local/services/kinesis-local-main.ts --port N`), so that Kinesis's own CPU does
 * not share an event loop with the code being measured or tested. Prints `{"ready":true}` once listening, one stderr
 * line per request its client abandoned mid-request (dropped, see dropAbortedRequests); SIGTERM stops it.
 */
import { startKinesisLocal } from './kinesis-local';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = Number(args[args.indexOf('--port') + 1]);
  if (!args.includes('--port') || !Number.isInteger(port) || port <= 0) {
    console.error(`--port must be a port number, got ${JSON.stringify(args)}`);
    process.exit(2);
  }
  const kinesis = await startKinesisLocal({
    port,
    onAbortedRequest: () =>
      console.error(`${new Date().toISOString()} kinesalite: a request its client abandoned mid-request was dropped`),
  });
  console.log(JSON.stringify({ ready: true, port: kinesis.port }));
  const stop = () => {
    void kinesis.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(`kinesalite failed: ${(err as Error).message}`);
  process.exit(1);
});
