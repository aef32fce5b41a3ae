/**
 * The bridge's entry point (`npm run bridge`, and the container's command): reads the configuration from the
 * environment, starts the bridge, and on SIGTERM or SIGINT flushes, acknowledges, disconnects and exits 0.
 * A configuration problem exits 2 with one log line per problem.
 */
import * as http from 'node:http';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Bridge, sessionMarkerFor } from './bridge';
import { loadConfig, type BridgeConfig } from './config';
import { secretCredentials, staticCredentials } from './credentials';
import { ConfigError } from './errors';
import { createKinesisClient } from './kinesis-sink';
import { createLogger } from './logger';

async function main(): Promise<void> {
  let config: BridgeConfig;
  try {
    config = loadConfig();
  } catch (err) {
    const logger = createLogger('INFO');
    if (err instanceof ConfigError) {
      for (const problem of err.problems) logger.error(`configuration: ${problem}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, config.mqtt.clientId);
  const kinesisClient = createKinesisClient(config.kinesis.requestTimeoutMillis);
  try {
    await kinesisClient.config.region();
  } catch (err) {
    logger.error(`configuration: no AWS region: set AWS_REGION (${(err as Error).message})`);
    process.exit(2);
  }
  let secretsClient: SecretsManagerClient | undefined;
  const secrets = () =>
    (secretsClient ??= new SecretsManagerClient({
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
    }));
  const credentials = config.mqtt.credentialsSecretId
    ? secretCredentials(config.mqtt.credentialsSecretId, secrets())
    : staticCredentials(
        config.mqtt.username !== undefined && config.mqtt.password !== undefined
          ? { username: config.mqtt.username, password: config.mqtt.password }
          : undefined,
      );
  const sessionMarker = sessionMarkerFor(config, secrets);
  const bridge = new Bridge(config, {
    logger,
    credentials,
    kinesisClient,
    ...(sessionMarker ? { sessionMarker } : {}),
  });
  const shutdown = (signal: string) => {
    // A hard deadline in case something hangs: nothing unwritten was acknowledged, so exiting loses nothing.
    setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting', { timeoutMillis: config.shutdownTimeoutMillis });
      process.exit(0);
    }, config.shutdownTimeoutMillis).unref();
    void bridge.stop(`received ${signal}`).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  await bridge.start();
}

main().catch((err: unknown) => {
  createLogger('INFO').error(`bridge failed: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
