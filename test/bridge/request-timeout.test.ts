import { createServer, type Server, type Socket } from 'node:net';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { createDynamoDbClient } from '../../functions/shared/dynamodb-client';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createKinesisClient } from '../../bridge/src/kinesis-sink';

/**
 * A server that accepts connections and never answers: a request to it must end in an error after the client's
 * request timeout, so the caller retries, instead of hanging forever (@smithy/node-http-handler 4.x only warns on a
 * request timeout unless told to throw).
 */
describe('clients facing a black hole', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let endpoint: string;

  const savedEnv = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
    server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    process.env = savedEnv;
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails a hung PutRecords after the bridge request timeout', async () => {
    // GIVEN the bridge's Kinesis client with a 300 ms request timeout, pointed at a black hole
    process.env.AWS_ENDPOINT_URL_KINESIS = endpoint;
    const client = createKinesisClient(300);
    try {
      // WHEN it writes THEN the call is rejected (a hang would run into jest's timeout)
      await expect(
        client.send(
          new PutRecordsCommand({ StreamName: 's', Records: [{ Data: new Uint8Array([1]), PartitionKey: 'k' }] }),
        ),
      ).rejects.toThrow(/timeout|exceeded/i);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_KINESIS;
      client.destroy();
    }
  }, 20_000);

  it('fails a hung PutItem of the ingest function instead of waiting for the Lambda timeout', async () => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    const client = createDynamoDbClient();
    try {
      await expect(client.send(new PutItemCommand({ TableName: 't', Item: { pk: { S: 'a' } } }))).rejects.toThrow(
        /timeout|exceeded/i,
      );
    } finally {
      delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
      client.destroy();
    }
  }, 60_000);
});
