/**
 * SDK clients for the local stand-ins of AWS: kinesalite, DynamoDB Local and s3rver on loopback, with dummy credentials.
 * Kinesis clients use an HTTP/1.1 keep-alive handler: kinesalite does not speak the SDK's default HTTP/2.
 */
import * as http from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
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

/**
 * A DynamoDB client for `endpoint`. `requestTimeoutMillis` is the ingest's 5 s by default; a reader that scans whole
 * tables of DynamoDB Local (the chaos suite's audit of 100,000 records) passes more, since one 1 MB page can take
 * longer than that on a busy machine.
 */
export function localDynamoDbClient(
  endpoint: string,
  region = LOCAL_REGION,
  requestTimeoutMillis = 5_000,
): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
    retryMode: 'standard',
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true }),
      connectionTimeout: 2_000,
      requestTimeout: requestTimeoutMillis,
      throwOnRequestTimeout: true,
    }),
  });
}

/** The credentials s3rver accepts (it checks the access key id and the signature). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** An S3 client for `endpoint` (path-style: a local S3 has no per-bucket host names). */
export function localS3Client(endpoint: string, region = LOCAL_REGION): S3Client {
  return new S3Client({
    endpoint,
    region,
    credentials: LOCAL_S3_CREDENTIALS,
    forcePathStyle: true,
    retryMode: 'standard',
    requestHandler: new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true }),
      connectionTimeout: 2_000,
      requestTimeout: 20_000,
      throwOnRequestTimeout: true,
    }),
  });
}
