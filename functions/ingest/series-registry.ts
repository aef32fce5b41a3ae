/**
 * The series registry: one item per series in the readings table, so that a customer's series can be listed with one
 * Query instead of a scan. Item: `pk` = `series#<customer-id>` ({@link SERIES_REGISTRY_PREFIX}), `sk` = the series key,
 * `customerId`, `meterId` (S), `registerId` (N), `firstSeenAt` (S, ingest time of the first reading seen).
 *
 * The write is conditional (the first `firstSeenAt` stays) and made at most once per series per container: a series
 * seen before is remembered in memory, so a reading costs no extra write. The registry is written before the series'
 * first reading, so a listed series may have no reading yet but a stored reading's series is always listed.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SERIES_REGISTRY_PREFIX, type Reading } from '../../core';
import { isConditionalCheckFailed } from './dynamodb-errors';

/** How many series one container remembers before it starts over (a bound on memory, not on correctness). */
export const MAX_REMEMBERED_SERIES = 100_000;

/** The registry `pk` of a customer. */
export function seriesRegistryKey(customerId: string): string {
  return `${SERIES_REGISTRY_PREFIX}${customerId}`;
}

/** Records each series once per container. */
export class SeriesRegistry {
  private readonly known = new Set<string>();

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly maxRemembered = MAX_REMEMBERED_SERIES,
  ) {}

  /** Makes sure the reading's series has its registry item. Throws the SDK's error when the write fails. */
  async ensure(reading: Reading, now: Date): Promise<void> {
    if (this.known.has(reading.seriesKey)) return;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: seriesRegistryKey(reading.customerId) },
            sk: { S: reading.seriesKey },
            customerId: { S: reading.customerId },
            meterId: { S: reading.meterId },
            registerId: { N: String(reading.registerId) },
            firstSeenAt: { S: now.toISOString() },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
    if (this.known.size >= this.maxRemembered) this.known.clear();
    this.known.add(reading.seriesKey);
  }
}
