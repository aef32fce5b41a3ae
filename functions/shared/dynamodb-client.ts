/**
 * One DynamoDB client per Lambda container, created at first use and reused by every invocation.
 *
 * The endpoint comes only from the SDK's standard configuration: `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB
 * Local. Retries are the SDK's standard mode with {@link DYNAMODB_MAX_ATTEMPTS} attempts; a request that hangs is cut
 * after {@link REQUEST_TIMEOUT_MILLIS} so the SDK retries it instead of the invocation waiting for its own timeout.
 * These figures, the worst case of one record and the function's timeout are derived together in `time-budget.ts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CONNECTION_TIMEOUT_MILLIS, DYNAMODB_MAX_ATTEMPTS, REQUEST_TIMEOUT_MILLIS } from './time-budget';

export { CONNECTION_TIMEOUT_MILLIS, DYNAMODB_MAX_ATTEMPTS, REQUEST_TIMEOUT_MILLIS } from './time-budget';

/** A new DynamoDB client with the functions' timeouts and the SDK's standard retries. */
export function createDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({
    retryMode: 'standard',
    maxAttempts: DYNAMODB_MAX_ATTEMPTS,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: CONNECTION_TIMEOUT_MILLIS,
      requestTimeout: REQUEST_TIMEOUT_MILLIS,
      // without this, @smithy/node-http-handler 4.x only logs a warning and a hung request runs into the Lambda timeout
      throwOnRequestTimeout: true,
    }),
  });
}
