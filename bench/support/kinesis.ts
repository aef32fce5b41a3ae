/**
 * Kinesis for the benchmarks: a keep-alive HTTP/1.1 client for a local kinesalite (started in its own process by
 * local/services/kinesis-local-process.ts) and a stream ready to write.
 */
import * as http from 'node:http';
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Fake credentials and region for local endpoints. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
} as const;

/** A Kinesis client for a local endpoint: HTTP/1.1 keep-alive (kinesalite speaks no HTTP/2). */
export function localKinesisClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });
}

let streams = 0;

/** Creates a new stream (named, or a fresh name) and waits until it is active; returns its name. */
export async function createBenchStream(client: KinesisClient, shards = 2, streamName?: string): Promise<string> {
  streams += 1;
  const name = streamName ?? `bench-${process.pid}-${streams}`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { StreamName: name });
  return name;
}
