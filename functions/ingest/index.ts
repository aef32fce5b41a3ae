/**
 * The ingest function's Lambda entry point: `handler`, built at the first invocation of a container (its cold start)
 * from the environment (`config.ts`) and one DynamoDB client. A missing or invalid setting fails that invocation
 * with a {@link ConfigError} naming every problem, one line each; the batch is retried once the setting is fixed.
 *
 * Tests and the local runner build their own handler with {@link createHandler}.
 */
import type { KinesisStreamBatchResponse, KinesisStreamEvent, Context } from 'aws-lambda';
import { createDynamoDbClient } from '../shared/dynamodb-client';
import { createLogger } from '../shared/logger';
import { loadConfig } from './config';
import { ConfigError } from './errors';
import { createHandler, type IngestHandler } from './handler';
import { INGEST_SERVICE_NAME } from './metric-names';

export { createHandler, INGEST_DEFAULTS } from './handler';
export type { IngestDependencies, IngestHandler, IngestOptions } from './handler';
export { loadConfig, type IngestConfig } from './config';
export { ConfigError, IngestError } from './errors';
export * from './metric-names';

let containerHandler: IngestHandler | undefined;

/** The Lambda handler: Kinesis batch in, the records to retry out. */
export async function handler(event: KinesisStreamEvent, context?: Context): Promise<KinesisStreamBatchResponse> {
  if (!containerHandler) {
    try {
      containerHandler = createHandler({ client: createDynamoDbClient(), config: loadConfig() });
    } catch (err) {
      if (err instanceof ConfigError) createLogger(INGEST_SERVICE_NAME).error(err.message, { problems: err.problems });
      throw err;
    }
  }
  return containerHandler(event, context);
}
