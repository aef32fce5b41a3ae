/**
 * The quarantine, read: items by reason and time (through the `byReason` index). Nothing here writes: a quarantined
 * record is replayed by `npm run replay -- quarantine` (tools/replay/), which puts it back into the stream so that it
 * passes the deployed decoder, its metrics and its per-meter order; this library no longer carries the ingest's writer.
 */
import { QueryCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QUARANTINE_REASONS, QUARANTINE_TABLE, isQuarantineReason, type QuarantineReason } from '../core';
import { InvalidArgumentError } from './errors';
import { quarantinedItemFromItem, type QuarantinedItem } from './quarantine-item';
import { sortKeyCondition, toSortKeyRange, type TimeRange } from './time-range';

/** The name of the quarantine table's index by reason and time, from `core/table-layout.ts`. */
export const BY_REASON_INDEX = byReasonIndex();

function byReasonIndex(): string {
  const index = QUARANTINE_TABLE.globalSecondaryIndexes.find(
    (i) => i.partitionKey.name === 'reason' && i.sortKey.name === 'quarantinedAt',
  );
  if (!index) throw new Error('core/table-layout.ts defines no quarantine index on (reason, quarantinedAt)');
  return index.indexName;
}

/** Options of {@link QuarantineClient}. */
export interface QuarantineClientOptions {
  /** The DynamoDB client to send every request with. */
  readonly client: DynamoDBClient;
  /** The quarantine table's name (the stack output, or `QUARANTINE_TABLE_NAME`). */
  readonly quarantineTableName: string;
  /** Items asked for per Query request. @default 1000 */
  readonly pageSize?: number;
}

/** Options of {@link QuarantineClient.list}. */
export interface ListQuarantineOptions extends TimeRange {
  /** Only this reason. @default - every reason in `core`'s `QUARANTINE_REASONS`, one after the other */
  readonly reason?: string;
}

/** Lists the quarantine table. */
export class QuarantineClient {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly pageSize: number;

  constructor(options: QuarantineClientOptions) {
    if (!options.quarantineTableName) {
      throw new InvalidArgumentError('quarantineTableName must name the quarantine table');
    }
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      throw new InvalidArgumentError(`pageSize must be a positive integer, got ${pageSize}`);
    }
    this.client = options.client;
    this.tableName = options.quarantineTableName;
    this.pageSize = pageSize;
  }

  /** Quarantined items by reason, then by quarantine time; `from` and `to` bound the quarantine time. */
  async *list(options: ListQuarantineOptions = {}): AsyncGenerator<QuarantinedItem, void, undefined> {
    const reasons = options.reason === undefined ? QUARANTINE_REASONS : [checkReason(options.reason)];
    const range = sortKeyCondition('quarantinedAt', toSortKeyRange(options));
    for (const reason of reasons) {
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: BY_REASON_INDEX,
            KeyConditionExpression: `#r = :r${range.expression ? ` AND ${range.expression}` : ''}`,
            ExpressionAttributeNames: { '#r': 'reason', ...range.names },
            ExpressionAttributeValues: { ':r': { S: reason }, ...range.values },
            Limit: this.pageSize,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) yield quarantinedItemFromItem(item);
        start = page.LastEvaluatedKey;
      } while (start);
    }
  }
}

/** Throws {@link InvalidArgumentError} unless `reason` is a quarantine reason. */
export function checkReason(reason: string): QuarantineReason {
  if (!isQuarantineReason(reason)) {
    throw new InvalidArgumentError(
      `reason must be one of ${QUARANTINE_REASONS.join(', ')}; got ${JSON.stringify(reason)}`,
    );
  }
  return reason;
}
