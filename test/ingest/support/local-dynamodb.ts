/**
 * DynamoDB Local for the ingest tests: one instance per test file, a client for it, fresh tables per test, and
 * helpers to read the tables back.
 */
import { seriesRegistryKeys } from '../../../core';
import {
  DynamoDBClient,
  QueryCommand,
  ScanCommand,
  type AttributeValue,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../../local/services/dynamodb-local';
import { createTables, type TableNames } from '../../../local/services/create-tables';
import type { IngestConfig } from '../../../functions/ingest/config';

process.env.AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING = '1';

/** A running DynamoDB Local and a client for it. */
export interface LocalDynamo {
  readonly local: DynamoDbLocal;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

/** Starts DynamoDB Local (fails with what to install when Java is missing). */
export async function startLocalDynamo(): Promise<LocalDynamo> {
  const local = await startDynamoDbLocal();
  const client = newClient(local.endpoint);
  return {
    local,
    client,
    stop: async () => {
      client.destroy();
      await local.stop();
    },
  };
}

/** A client for a DynamoDB Local endpoint (its access key must be alphanumeric). */
export function newClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}

let tableCounter = 0;

/** Creates a fresh pair of tables and returns the ingest configuration for them. */
export async function freshTables(client: DynamoDBClient, retentionDays = 90): Promise<IngestConfig & TableNames> {
  tableCounter++;
  const names = { readings: `readings-${tableCounter}`, quarantine: `quarantine-${tableCounter}` };
  await createTables(client, names);
  return {
    ...names,
    readingsTableName: names.readings,
    quarantineTableName: names.quarantine,
    quarantineRetentionDays: retentionDays,
  };
}

/** Every item of a table. */
export async function scanAll(
  client: DynamoDBClient,
  tableName: string,
  extra: Partial<ScanCommandInput> = {},
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start, ...extra }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The readings items of a table (the series registry left out). */
export async function readingItems(client: DynamoDBClient, tableName: string) {
  const items = await scanAll(client, tableName);
  return items.filter((i) => !i.pk?.S?.startsWith('series#'));
}

/** The series registry items of a customer, under every registry key (spread and legacy), in series-key order. */
export async function registryItems(client: DynamoDBClient, tableName: string, customerId: string) {
  const pages = await Promise.all(
    seriesRegistryKeys(customerId).map((pk) =>
      client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ConsistentRead: true,
        }),
      ),
    ),
  );
  return pages
    .flatMap((p) => p.Items ?? [])
    .sort((a, b) => ((a.sk?.S ?? '') < (b.sk?.S ?? '') ? -1 : (a.sk?.S ?? '') > (b.sk?.S ?? '') ? 1 : 0));
}
