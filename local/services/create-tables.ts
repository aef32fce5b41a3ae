/**
 * Creating the readings and quarantine tables in DynamoDB Local from the layouts in `core/table-layout.ts`, the same
 * definition the CDK app deploys: keys, global secondary indexes, the quarantine TTL and the readings stream.
 * On-demand billing. Idempotent: a table that exists is left as it is (its TTL is switched on if it is off).
 */
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { QUARANTINE_TABLE, READINGS_TABLE, type KeyAttribute, type TableLayout } from '../../core';

/** The names of the two tables. */
export interface TableNames {
  readonly readings: string;
  readonly quarantine: string;
}

/** Creates both tables (if missing) and waits until they are active. */
export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  await Promise.all([
    createTable(client, names.readings, READINGS_TABLE),
    createTable(client, names.quarantine, QUARANTINE_TABLE),
  ]);
}

/** Creates one table from its layout (if missing), waits until it is active and switches its TTL on. */
export async function createTable(client: DynamoDBClient, tableName: string, layout: TableLayout): Promise<void> {
  const attributes = new Map<string, KeyAttribute>();
  for (const key of [
    layout.partitionKey,
    layout.sortKey,
    ...layout.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]) {
    attributes.set(key.name, key);
  }
  const definitions: AttributeDefinition[] = [...attributes.values()].map((a) => ({
    AttributeName: a.name,
    AttributeType: a.type,
  }));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: definitions,
        KeySchema: [
          { AttributeName: layout.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: layout.sortKey.name, KeyType: 'RANGE' },
        ],
        ...(layout.globalSecondaryIndexes.length > 0
          ? {
              GlobalSecondaryIndexes: layout.globalSecondaryIndexes.map((i) => ({
                IndexName: i.indexName,
                KeySchema: [
                  { AttributeName: i.partitionKey.name, KeyType: 'HASH' as const },
                  { AttributeName: i.sortKey.name, KeyType: 'RANGE' as const },
                ],
                Projection: { ProjectionType: 'ALL' as const },
              })),
            }
          : {}),
        ...(layout.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: layout.stream } } : {}),
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
  if (layout.timeToLiveAttribute) {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status !== 'ENABLED' && status !== 'ENABLING') {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: layout.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  }
}
