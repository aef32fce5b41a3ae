/**
 * The real ingest pipeline for the readings-client tests: DynamoDB Local (one per test file), tables created the way
 * the CDK app defines them, and the REAL ingest handler fed Kinesis-shaped events built with core's
 * `encodeStreamRecord`, so every item the client reads was written by the ingest function.
 */
import { kinesisEventRecord } from '../../ingest/support/stream-events';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import { encodeStreamRecord } from '../../../core';
import { createHandler } from '../../../functions/ingest';
import { createTables } from '../../../local/services/create-tables';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/services/dynamodb-local';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING = '1';
// Powertools reads this whenever it builds a metrics object: the handler prints no EMF lines in these tests
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

/** A running DynamoDB Local and a client for it. */
export interface LocalDynamo {
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local (fails with what to install when Java is missing). */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  const local: DynamoDbLocal = await startDynamoDbLocal();
  const client = new DynamoDBClient({
    endpoint: local.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
  return {
    endpoint: local.endpoint,
    client,
    stop: async () => {
      client.destroy();
      await local.stop();
    },
  };
}

/** A message as the bridge would have received it. */
export interface Message {
  readonly topic: string;
  /** The payload's text (JSON numbers written out, so values stay exact). */
  readonly payload: string;
  /** @default '2026-01-01T00:00:00.000Z' */
  readonly receivedAt?: string;
}

/**
 * Quarantine retention in these tests: the longest allowed, because the tests' clocks stand in early 2026 and
 * DynamoDB Local's TTL really deletes items whose `expiresAt` has passed.
 */
export const RETENTION_DAYS = 3650;

let tables = 0;
let sequence = 0n;

/** A fresh pair of tables and the real ingest handler writing to them. */
export async function freshPipeline(client: DynamoDBClient, clock: () => Date = () => new Date()) {
  tables++;
  const names = { readings: `rc-readings-${tables}`, quarantine: `rc-quarantine-${tables}` };
  await createTables(client, names);
  const handler = createHandler({
    client,
    config: {
      readingsTableName: names.readings,
      quarantineTableName: names.quarantine,
      quarantineRetentionDays: RETENTION_DAYS,
    },
    clock,
    logger: new Logger({ serviceName: 'ingest', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'MeterReadings', serviceName: 'ingest' }),
  });
  /** Delivers messages as one Kinesis batch through the real handler; fails the test on any batch item failure. */
  const deliver = async (messages: readonly Message[]): Promise<KinesisStreamBatchResponse> => {
    const response = await handler({ Records: messages.map(kinesisRecord) });
    if (response.batchItemFailures.length > 0) {
      throw new Error(`ingest reported failures: ${JSON.stringify(response.batchItemFailures)}`);
    }
    return response;
  };
  return { ...names, handler, deliver };
}

/** A Lambda Kinesis record carrying a message, encoded as the bridge encodes it. */
export function kinesisRecord(message: Message): KinesisStreamRecord {
  const encoded = encodeStreamRecord({
    topic: message.topic,
    payload: Buffer.from(message.payload, 'utf8'),
    receivedAt: message.receivedAt ?? '2026-01-01T00:00:00.000Z',
  });
  return rawKinesisRecord(encoded.data, encoded.partitionKey);
}

/** A Lambda Kinesis record carrying arbitrary data (a bad envelope, say). */
export function rawKinesisRecord(data: Uint8Array | string, partitionKey = 'raw'): KinesisStreamRecord {
  sequence++;
  const sequenceNumber = (49_600_000_000_000_000_000_000_000_000n + sequence).toString();
  return kinesisEventRecord({
    shardId: 'shardId-000000000000',
    sequenceNumber,
    partitionKey,
    data: typeof data === 'string' ? Buffer.from(data) : data,
  });
}

/** Every item of a table, read consistently, in a stable order. */
export async function scanAll(client: DynamoDBClient, tableName: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const key = (i: Record<string, AttributeValue>) => `${i.pk?.S}\u0000${i.sk?.S}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

// ---- payloads

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** The ISO time `minutes` after 2026-01-01T00:00Z. */
export function at(minutes: number): string {
  return new Date(T0 + minutes * 60_000).toISOString();
}

/** The topic of a customer's meter. */
export function topic(customer: string, meter: string, subscription = 'sub-1'): string {
  return `meters/outbound/${customer}/${subscription}/${meter}`;
}

/** A v1 message (register 2, accumulated) read at minute `minute` with `value` (JSON number text). */
export function v1(customer: string, meter: string, minute: number, value: string): Message {
  return {
    topic: topic(customer, meter),
    payload: `{"smarteo_payload_schema_version":1,"data_timestamp_utc":"${at(minute)}","system_timestamp_utc":"${at(minute)}","register_id":2,"meter_reading":${value}}`,
  };
}

/** A v2 message for `register`: the interval of `length` minutes ending at minute `end`, with `value`. */
export function v2(
  customer: string,
  meter: string,
  register: number,
  end: number,
  value: string,
  length = 15,
  version = 2,
): Message {
  return {
    topic: topic(customer, meter),
    payload: `{"smarteo_payload_schema_version":${version},"measurement_start_timestamp_utc":"${at(end - length)}","measurement_end_timestamp_utc":"${at(end)}","register_id":${register},"value":${value}}`,
  };
}

/** Every item of an async iterable, in order (Node.js 20 has no `Array.fromAsync`). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
