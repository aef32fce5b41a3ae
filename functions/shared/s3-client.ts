/**
 * One S3 client per Lambda container, created at first use and reused by every invocation.
 *
 * The endpoint comes only from the SDK's standard configuration: `AWS_ENDPOINT_URL_S3` points it at a local S3
 * stand-in (which also needs path-style addressing: `AWS_S3_FORCE_PATH_STYLE=true`, read here because the SDK does
 * not read it itself). A request that hangs is cut after {@link S3_REQUEST_TIMEOUT_MILLIS} so the SDK retries it.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** How long one S3 request may take before the SDK gives up on it and retries (an object is a few MB at most). */
export const S3_REQUEST_TIMEOUT_MILLIS = 20_000;

/** A new S3 client with the functions' timeouts and the SDK's standard retries. */
export function createS3Client(env: NodeJS.ProcessEnv = process.env): S3Client {
  return new S3Client({
    retryMode: 'standard',
    forcePathStyle: env.AWS_S3_FORCE_PATH_STYLE === 'true',
    requestHandler: new NodeHttpHandler({
      connectionTimeout: 2_000,
      requestTimeout: S3_REQUEST_TIMEOUT_MILLIS,
      throwOnRequestTimeout: true,
    }),
  });
}
