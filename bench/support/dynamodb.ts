/**
 * DynamoDB for the benchmarks: DynamoDB Local on a loopback port, the tables as the local runner creates them, and a
 * client that counts what it sends. The counting is SDK middleware: every command is counted by name, each write
 * asks for `ReturnConsumedCapacity: TOTAL` unless it already says, and the units DynamoDB reports are summed. A write
 * refused by its condition comes back with no consumed capacity from DynamoDB Local, so its units are computed by
 * DynamoDB's sizing rule (the larger of the new and the stored item, rounded up to 1 KB), and counted apart.
 */
import * as http from 'node:http';
import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/services/dynamodb-local';
import { createTables, type TableNames } from '../../local/services/create-tables';
import { itemSize, writeUnits } from './item-size';

/** What a counting client has sent. */
export interface DynamoCounts {
  /** Commands sent, by name (`PutItemCommand`: 3). */
  readonly commands: Record<string, number>;
  /** Write commands (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems). */
  writes: number;
  /** Write units DynamoDB reported for writes that succeeded. */
  reportedWriteUnits: number;
  /** Writes refused by their condition. */
  conditionalFailures: number;
  /** Write units of the refused writes, computed by DynamoDB's sizing rule. */
  computedRefusedWriteUnits: number;
  /** HTTP attempts, retries included. */
  attempts: number;
}

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'BatchWriteItemCommand',
  'TransactWriteItemsCommand',
]);

/** Fresh zeroed counts. */
export function emptyCounts(): DynamoCounts {
  return {
    commands: {},
    writes: 0,
    reportedWriteUnits: 0,
    conditionalFailures: 0,
    computedRefusedWriteUnits: 0,
    attempts: 0,
  };
}

/** Total write units: reported plus computed for refused writes. */
export function totalWriteUnits(c: DynamoCounts): number {
  return c.reportedWriteUnits + c.computedRefusedWriteUnits;
}

/** A client for a local endpoint with counting middleware; `counts` can be swapped between passes. */
export function countingClient(endpoint: string): {
  client: DynamoDBClient;
  counts: () => DynamoCounts;
  reset(): void;
} {
  let counts = emptyCounts();
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      const c = counts;
      c.commands[name] = (c.commands[name] ?? 0) + 1;
      const input = args.input as { ReturnConsumedCapacity?: string; Item?: Record<string, AttributeValue> };
      const isWrite = WRITE_COMMANDS.has(name);
      if (isWrite) {
        c.writes += 1;
        input.ReturnConsumedCapacity ??= 'TOTAL';
      }
      try {
        const result = await next(args);
        const out = result.output as {
          ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
          $metadata?: { attempts?: number };
        };
        c.attempts += out.$metadata?.attempts ?? 1;
        if (isWrite) {
          const cc = out.ConsumedCapacity;
          for (const x of Array.isArray(cc) ? cc : cc ? [cc] : []) c.reportedWriteUnits += x.CapacityUnits ?? 0;
        }
        return result;
      } catch (err) {
        const e = err as { name?: string; Item?: Record<string, AttributeValue>; $metadata?: { attempts?: number } };
        c.attempts += e.$metadata?.attempts ?? 1;
        if (isWrite && e.name === 'ConditionalCheckFailedException') {
          c.conditionalFailures += 1;
          c.computedRefusedWriteUnits += writeUnits(
            input.Item ? itemSize(input.Item) : 0,
            e.Item ? itemSize(e.Item) : 0,
          );
        }
        throw err;
      }
    },
    { step: 'initialize', name: 'benchCountDynamoDb' },
  );
  return {
    client,
    counts: () => counts,
    reset: () => {
      counts = emptyCounts();
    },
  };
}

/** DynamoDB Local with the readings and quarantine tables. */
export interface BenchDynamo {
  readonly local: DynamoDbLocal;
  readonly tables: TableNames;
}

/** Starts DynamoDB Local and creates the tables the way the local runner does. */
export async function startBenchDynamo(admin?: DynamoDBClient): Promise<BenchDynamo> {
  const local = await startDynamoDbLocal();
  const tables = { readings: 'bench-readings', quarantine: 'bench-quarantine' };
  const client = admin ?? countingClient(local.endpoint).client;
  try {
    await createTables(client, tables);
  } catch (err) {
    await local.stop();
    throw err;
  } finally {
    if (!admin) client.destroy();
  }
  return { local, tables };
}
