/**
 * The local Kinesis survives a client that gives up mid-request, as Kinesis does: kinesalite on its own would throw the
 * request's ECONNRESET and end its process, with every stream in it (chaos scenario 9 lost its kinesalite so when a
 * proxy cut a PutRecords mid-body).
 */
import '../../local/quiet-sdk';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { localKinesisClient } from '../../local/aws-clients';
import { startKinesisLocal, type KinesisLocal } from '../../local/services/kinesis-local';
import { startKinesisLocalProcess } from '../../local/services/kinesis-local-process';
import { until } from '../support/until';

const dir = mkdtempSync(join(tmpdir(), 'kinesis-local-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sends the headers and part of a request's body, then resets the connection. */
async function abandonRequestMidBody(port: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(
    'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n' +
      'X-Amz-Target: Kinesis_20131202.PutRecords\r\nContent-Length: 100000\r\n\r\n{"StreamName":"s","Records":[',
  );
  await new Promise((r) => setTimeout(r, 200));
  socket.resetAndDestroy();
}

describe('the local Kinesis when a client abandons a request mid-body', () => {
  it.each<[string, () => Promise<{ kinesis: KinesisLocal; dropped: () => boolean; alive: () => boolean }>]>([
    [
      'in process: drops the request, counts it and keeps serving',
      async () => {
        const kinesis = await startKinesisLocal();
        return { kinesis, dropped: () => kinesis.abortedRequests === 1, alive: () => true };
      },
    ],
    [
      'in its own process: drops the request, logs it and keeps running',
      async () => {
        const logFile = join(dir, 'kinesalite.log');
        const kinesis = await startKinesisLocalProcess({ logFile });
        const log = () => readFileSync(logFile, { encoding: 'utf8', flag: 'a+' });
        return {
          kinesis,
          dropped: () => log().includes('abandoned mid-request was dropped'),
          alive: () => !kinesis.service.hasExited() && !log().includes('exited'),
        };
      },
    ],
  ])('%s', async (_name, start) => {
    // GIVEN a local Kinesis
    const { kinesis, dropped, alive } = await start();
    const client = localKinesisClient(kinesis.endpoint);
    try {
      // WHEN a client sends part of a request and resets its connection
      await abandonRequestMidBody(kinesis.port);
      await until(dropped, 10_000, 'the request counted as dropped');

      // THEN it still answers the next request
      await new Promise((r) => setTimeout(r, 200));
      expect(alive()).toBe(true);
      const streams = await client.send(new ListStreamsCommand({}));
      expect(streams.StreamNames).toEqual([]);
    } finally {
      client.destroy();
      await kinesis.stop();
    }
  });
});
