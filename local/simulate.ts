/**
 * `npm run simulate -- --broker <url> [flags]`: publishes the simulated feed to any MQTT broker and prints its books
 * (what the broker acknowledged: unique readings, duplicate deliveries, malformed messages by reason) at the end.
 * `--help` lists the flags.
 */
import './quiet-sdk';
import { FEED_FLAGS, FEED_FLAGS_HELP, feedFromFlags, numberFlag, parseFlags, UsageError } from './cli/flags';
import { feedFilter, feedOptions } from './simulator/feed';
import { startSimulator } from './simulator/publisher';

const HELP = `Usage: npm run simulate -- --broker <url> [flags]

Publishes a simulated meter-readings feed (QoS 1) and prints what the broker acknowledged.

  --broker URL        mqtt://host:port or mqtts://host:port (required)
  --username NAME     broker user name (default: $MQTT_USERNAME, if set)
  --password SECRET   broker password (default: $MQTT_PASSWORD, if set)
  --client-id ID      MQTT client id (default: feed-simulator-<pid>)
  --rate N            messages per second (default 100)
  --count N           stop after N messages
  --duration S        stop after S seconds (without --count or --duration: until Ctrl-C)
  --json              print the books as JSON
  --help              this text

${FEED_FLAGS_HELP}
`;

async function main(argv: readonly string[]): Promise<number> {
  const values = parseFlags(argv, {
    broker: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    'client-id': { type: 'string' },
    rate: { type: 'string' },
    count: { type: 'string' },
    duration: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
    ...FEED_FLAGS,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values.broker) throw new UsageError('--broker <url> is required (for example mqtt://127.0.0.1:1883)');
  if (!/^mqtts?:\/\/[^/]+/.test(values.broker))
    throw new UsageError(
      `--broker must be mqtt://host:port or mqtts://host:port, got ${JSON.stringify(values.broker)}`,
    );
  const feed = feedFromFlags(values);
  try {
    feedOptions(feed);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const rate = numberFlag(values, 'rate', { min: 0.001, max: 1_000_000 }) ?? 100;
  const count = numberFlag(values, 'count', { integer: true, min: 1 });
  const duration = numberFlag(values, 'duration', { min: 0.1 });
  const username = values.username ?? process.env.MQTT_USERNAME;
  const password = values.password ?? process.env.MQTT_PASSWORD;
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const simulator = await startSimulator({
    brokerUrl: values.broker,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(values['client-id'] ? { clientId: values['client-id'] } : {}),
    ratePerSecond: rate,
    ...(count !== undefined ? { count } : {}),
    ...(duration !== undefined ? { durationMillis: duration * 1000 } : {}),
    feed,
  });
  log(`simulate: publishing to ${values.broker} at ${rate}/s on ${feedFilter(feedOptions(feed))}`);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    void simulator.stop();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = setInterval(() => log(`simulate: ${simulator.published()} published`), 5000);
  const books = await simulator.finished;
  clearInterval(progress);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const failed = simulator.failed();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...books, failed, interrupted })}\n`);
  } else {
    const reasons = Object.entries(books.malformed.byReason)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
    process.stdout.write(
      `published ${books.published}: ${books.unique} unique readings, ${books.duplicatesPublished} duplicate deliveries, ` +
        `${books.malformed.total} malformed (${reasons || 'none'})${failed ? `; ${failed} publishes failed` : ''}\n`,
    );
  }
  return failed > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`simulate: ${(err as Error).message ?? String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
