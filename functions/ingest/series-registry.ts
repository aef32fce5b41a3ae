/**
 * The series registry: one item per series in the readings table, so that a customer's series can be listed with a
 * few Queries instead of a scan. Item: `pk` = `series#<customer-id>#<n>` (`seriesRegistryKey` in `core/`: one of 16
 * fixed suffixes chosen by the series key, so one customer's registry never sits on one partition key), `sk` = the
 * series key, `customerId`, `meterId` (S), `registerId` (N), `firstSeenAt` (S, ingest time of the first reading
 * seen).
 *
 * The write is conditional (the first `firstSeenAt` stays) and made at most once per series per container: a series
 * seen before is remembered in memory, so a reading costs no extra write.
 *
 * The cold-start burst is bounded: a new container knows no series and would re-register every series it sees
 * (200,000 writes for a 100,000-meter customer after each deploy). Registry writes take a token from a bucket
 * ({@link REGISTRY_BURST} at once, {@link REGISTRY_WRITES_PER_SECOND} a second after that, per container). A series
 * that finds the bucket empty is registered on one of its next readings instead, and its reading is written meanwhile:
 * ingest never waits for the registry. So the registry is written before a series' first reading while the bucket
 * has tokens (always, in steady state), and within minutes after a cold start otherwise.
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { seriesRegistryKey as layoutKey, type Reading } from '../../core';
import { isConditionalCheckFailed } from './dynamodb-errors';

/** How many series one container remembers before it starts over (a bound on memory, not on correctness). */
export const MAX_REMEMBERED_SERIES = 100_000;

/** Registry writes one container may make at once, before the rate below applies. */
export const REGISTRY_BURST = 1_000;

/** Registry writes one container makes a second once its burst is spent. */
export const REGISTRY_WRITES_PER_SECOND = 200;

/** The registry `pk` of a series (see `core/table-layout.ts`). */
export function seriesRegistryKey(customerId: string, seriesKey: string): string {
  return layoutKey(customerId, seriesKey);
}

/** Tunables of the registry's write budget. */
export interface RegistryBudget {
  /** @default REGISTRY_BURST */
  readonly burst: number;
  /** @default REGISTRY_WRITES_PER_SECOND */
  readonly writesPerSecond: number;
}

/** Records each series once per container. */
export class SeriesRegistry {
  private readonly known = new Set<string>();
  private tokens: number;
  private refilledAt: number | undefined;
  /** Registrations put off because the bucket was empty (for tests and logs). */
  deferred = 0;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly maxRemembered = MAX_REMEMBERED_SERIES,
    private readonly budget: RegistryBudget = { burst: REGISTRY_BURST, writesPerSecond: REGISTRY_WRITES_PER_SECOND },
  ) {
    this.tokens = budget.burst;
  }

  /**
   * Makes sure the reading's series has its registry item, unless the write budget is spent (then a later reading of
   * the series does it). Throws the SDK's error when the write fails.
   */
  async ensure(reading: Reading, now: Date): Promise<void> {
    if (this.known.has(reading.seriesKey)) return;
    if (!this.takeToken(now.getTime())) {
      this.deferred += 1;
      return;
    }
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: seriesRegistryKey(reading.customerId, reading.seriesKey) },
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

  private takeToken(nowMillis: number): boolean {
    if (this.refilledAt !== undefined && nowMillis > this.refilledAt) {
      const refill = ((nowMillis - this.refilledAt) / 1000) * this.budget.writesPerSecond;
      this.tokens = Math.min(this.budget.burst, this.tokens + refill);
    }
    this.refilledAt = Math.max(this.refilledAt ?? nowMillis, nowMillis);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
