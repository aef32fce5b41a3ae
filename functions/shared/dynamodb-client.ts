/**
 * One DynamoDB client per Lambda container, created at first use and reused by every invocation.
 *
 * The endpoint comes only from the SDK's standard configuration: `AWS_ENDPOINT_URL_DYNAMODB` points it at DynamoDB
 * Local. Retries are the SDK's standard mode; a request that hangs is cut after {@link REQUEST_TIMEOUT_MILLIS} so the
 * SDK retries it instead of the invocation waiting for its own timeout.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** How long one DynamoDB request may take before the SDK gives up on it and retries. */
export const REQUEST_TIMEOUT_MILLIS = 5_000;

/** How long opening a connection may take. */
export const CONNECTION_TIMEOUT_MILLIS = 2_000;

/** A new DynamoDB client with the functions' timeouts and the SDK's standard retries. */
export function createDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({
    retryMode: 'standard',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: CONNECTION_TIMEOUT_MILLIS,
      requestTimeout: REQUEST_TIMEOUT_MILLIS,
      // without this, @smithy/node-http-handler 4.x only logs a warning and a hung request runs into the Lambda timeout
      throwOnRequestTimeout: true,
    }),
  });
}
