/**
 * The quarantine, read: items by reason and time. Nothing here writes: a quarantined record is replayed by
 * `npm run replay -- quarantine` (tools/replay/), which puts it back into the stream so that it passes the deployed
 * decoder, its metrics and its per-meter order; this library carries none of the ingest's writers.
 *
 * Listing reads the `byReasonSpread` index, where one reason sits on 16 partition keys (`<reason>#0` .. `#15`, see
 * `core/table-layout.ts`): 16 Queries in parallel, merged by quarantine time. Items written before the spread carry no
 * `reasonShard` and are only in the legacy `byReason` index, which is read too while it exists (option
 * `readLegacyIndex`); an item found there that has a `reasonShard` is skipped, as the spread index lists it already.
 */
import { paginateQuery, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BY_REASON_SPREAD_INDEX,
  LEGACY_BY_REASON_INDEX,
  quarantineReasonShards,
  QUARANTINE_REASONS,
  QUARANTINE_TABLE,
  isQuarantineReason,
  type QuarantineReason,
} from '../core';
import { InvalidArgumentError } from './errors';
import { mergeSorted } from './merge-sorted';
import { quarantinedItemFromItem, type QuarantinedItem } from './quarantine-item';
import { sortKeyCondition, toSortKeyRange, type TimeRange } from './time-range';

/** The name of the quarantine table's spread index by reason and time, from `core/table-layout.ts`. */
export const BY_REASON_INDEX = indexOn('reasonShard', BY_REASON_SPREAD_INDEX);

/** The legacy index on the bare reason, read for items written before the spread. */
export const LEGACY_INDEX = indexOn('reason', LEGACY_BY_REASON_INDEX);

function indexOn(partitionKey: string, name: string): string {
  const index = QUARANTINE_TABLE.globalSecondaryIndexes.find(
    (i) => i.indexName === name && i.partitionKey.name === partitionKey && i.sortKey.name === 'quarantinedAt',
  );
  if (!index)
    throw new Error(`core/table-layout.ts defines no quarantine index ${name} on (${partitionKey}, quarantinedAt)`);
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
  /**
   * Whether listing also reads the legacy `byReason` index, for items written before the spread. Turn off once that
   * index is removed (docs/ingest.md).
   * @default true
   */
  readonly readLegacyIndex?: boolean;
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
  private readonly readLegacyIndex: boolean;

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
    this.readLegacyIndex = options.readLegacyIndex ?? true;
  }

  /** Quarantined items by reason, then by quarantine time; `from` and `to` bound the quarantine time. */
  async *list(options: ListQuarantineOptions = {}): AsyncGenerator<QuarantinedItem, void, undefined> {
    const reasons = options.reason === undefined ? QUARANTINE_REASONS : [checkReason(options.reason)];
    for (const reason of reasons) {
      const sources: AsyncIterator<Record<string, AttributeValue>>[] = quarantineReasonShards(reason).map((shard) =>
        this.query(BY_REASON_INDEX, 'reasonShard', shard, options),
      );
      if (this.readLegacyIndex) sources.push(this.legacyItems(reason, options));
      for await (const item of mergeSorted(sources, byQuarantineTime)) yield quarantinedItemFromItem(item);
    }
  }

  private async *legacyItems(
    reason: string,
    range: TimeRange,
  ): AsyncGenerator<Record<string, AttributeValue>, void, undefined> {
    try {
      for await (const item of this.query(LEGACY_INDEX, 'reason', reason, range)) {
        // written since the spread: the spread index lists it already
        if (item.reasonShard === undefined) yield item;
      }
    } catch (err) {
      // the second deploy of the transition removed the legacy index: nothing is left to read there
      if ((err as Error).name === 'ValidationException' && /specified index/i.test((err as Error).message)) return;
      throw err;
    }
  }

  private async *query(
    indexName: string,
    keyName: string,
    key: string,
    options: TimeRange,
  ): AsyncGenerator<Record<string, AttributeValue>, void, undefined> {
    const range = sortKeyCondition('quarantinedAt', toSortKeyRange(options));
    const pages = paginateQuery(
      { client: this.client, pageSize: this.pageSize },
      {
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: `#r = :r${range.expression ? ` AND ${range.expression}` : ''}`,
        ExpressionAttributeNames: { '#r': keyName, ...range.names },
        ExpressionAttributeValues: { ':r': { S: key }, ...range.values },
      },
    );
    for await (const page of pages) yield* page.Items ?? [];
  }
}

/** Quarantine time, then key: the order {@link QuarantineClient.list} hands items out in. */
function byQuarantineTime(a: Record<string, AttributeValue>, b: Record<string, AttributeValue>): number {
  const ka = `${a.quarantinedAt?.S ?? ''}\u0000${a.pk?.S ?? ''}\u0000${a.sk?.S ?? ''}`;
  const kb = `${b.quarantinedAt?.S ?? ''}\u0000${b.pk?.S ?? ''}\u0000${b.sk?.S ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
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
