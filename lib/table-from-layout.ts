/**
 * Turns a table layout from `core/table-layout.ts` into DynamoDB construct properties, so that key names, types, the
 * TTL attribute, indexes and the stream are never restated in `lib/`.
 */
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { KeyAttribute, TableLayout } from '../core';

const ATTRIBUTE_TYPES: Record<KeyAttribute['type'], dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

/** A layout's key attribute as a CDK attribute. */
export function toAttribute(key: KeyAttribute): dynamodb.Attribute {
  return { name: key.name, type: ATTRIBUTE_TYPES[key.type] };
}

/** The table properties a layout defines: keys, TTL attribute and stream. */
export function layoutTableProps(
  layout: TableLayout,
): Pick<dynamodb.TableProps, 'partitionKey' | 'sortKey' | 'timeToLiveAttribute' | 'stream'> {
  return {
    partitionKey: toAttribute(layout.partitionKey),
    sortKey: toAttribute(layout.sortKey),
    ...(layout.timeToLiveAttribute === undefined ? {} : { timeToLiveAttribute: layout.timeToLiveAttribute }),
    ...(layout.stream === 'NEW_IMAGE' ? { stream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
  };
}

/** Adds the layout's global secondary indexes (all attributes projected) to a table, but those named in `omit`. */
export function addLayoutIndexes(table: dynamodb.Table, layout: TableLayout, omit: readonly string[] = []): void {
  for (const index of layout.globalSecondaryIndexes) {
    if (omit.includes(index.indexName)) continue;
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: toAttribute(index.partitionKey),
      sortKey: toAttribute(index.sortKey),
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
}
