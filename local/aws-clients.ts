/**
 * SDK clients for the local stand-ins of AWS: kinesalite and DynamoDB Local on loopback, with dummy credentials.
 * Kinesis clients use an HTTP/1.1 keep-alive handler: kinesalite does not speak the SDK's default HTTP/2.
 */
import * as http from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The region the local runner names (any region works against the local services). */
export const LOCAL_REGION = 'us-east-1';

/** The dummy credentials the local services accept. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** A Kinesis client for `endpoint`. */
export function localKinesisClient(endpoint: string, region = LOCAL_REGION): KinesisClient {
  return new KinesisClient({
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true }),
      connectionTimeout: 2_000,
      requestTimeout: 10_000,
      throwOnRequestTimeout: true,
    }),
  });
}

/** A DynamoDB client for `endpoint`. */
export function localDynamoDbClient(endpoint: string, region = LOCAL_REGION): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    retryMode: 'standard',
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true }),
      connectionTimeout: 2_000,
      requestTimeout: 5_000,
      throwOnRequestTimeout: true,
    }),
  });
}
