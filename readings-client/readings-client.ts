/**
 * Reading the readings table: a series' readings over a time range (an async iterator that pages through the
 * results), its latest reading, a customer's series from the series registry, and the gap and plausibility checks
 * on what was read. The DynamoDB client is injected; the table layout is `core/table-layout.ts`.
 */
import {
  paginateQuery,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { parseSeriesKey, seriesRegistryKeys } from '../core';
import { InvalidArgumentError } from './errors';
import { findGaps, type GapReport } from './gaps';
import { readingFromItem, seriesEntryFromItem, type SeriesEntry, type StoredReading } from './item-codec';
import { mergeSorted } from './merge-sorted';
import { checkPlausibility, type PlausibilityFlag, type PlausibilityOptions } from './plausibility';
import { sortKeyCondition, toSortKeyRange, type TimeRange } from './time-range';

/** Options of {@link ReadingsClient}. */
export interface ReadingsClientOptions {
  /** The DynamoDB client to send every request with. */
  readonly client: DynamoDBClient;
  /** The readings table's name (the stack output, or `READINGS_TABLE_NAME`). */
  readonly readingsTableName: string;
  /** Items asked for per Query request. @default 1000 */
  readonly pageSize?: number;
  /** Strongly consistent reads (twice the read cost). @default false */
  readonly consistentRead?: boolean;
}

/** Options of {@link ReadingsClient.getReadings}. */
export interface GetReadingsOptions extends TimeRange {
  /** Newest first instead of oldest first. @default false */
  readonly newestFirst?: boolean;
  /** Items asked for per Query request. @default - the client's page size */
  readonly pageSize?: number;
}

/** The completeness of one series. */
export interface SeriesGapReport extends GapReport {
  readonly seriesKey: string;
}

/** Defaults of {@link ReadingsClientOptions}. */
export const READINGS_CLIENT_DEFAULTS = {
  pageSize: 1000,
  consistentRead: false,
} satisfies Partial<ReadingsClientOptions>;

/** Typed, exact reads of the readings table. */
export class ReadingsClient {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly pageSize: number;
  private readonly consistentRead: boolean;

  constructor(options: ReadingsClientOptions) {
    if (!options.readingsTableName) throw new InvalidArgumentError('readingsTableName must name the readings table');
    this.client = options.client;
    this.tableName = options.readingsTableName;
    this.pageSize = checkPageSize(options.pageSize ?? READINGS_CLIENT_DEFAULTS.pageSize);
    this.consistentRead = options.consistentRead ?? READINGS_CLIENT_DEFAULTS.consistentRead;
  }

  /** A series' readings with reading times in the range, oldest first, fetched a page at a time as they are read. */
  async *getReadings(series: string, options: GetReadingsOptions = {}): AsyncGenerator<StoredReading, void, undefined> {
    checkSeriesKey(series);
    const range = sortKeyCondition('sk', toSortKeyRange(options));
    const pageSize = checkPageSize(options.pageSize ?? this.pageSize);
    const input = {
      KeyConditionExpression: `pk = :pk${range.expression ? ` AND ${range.expression}` : ''}`,
      ...(range.expression ? { ExpressionAttributeNames: range.names } : {}),
      ExpressionAttributeValues: { ':pk': { S: series }, ...range.values },
      ScanIndexForward: options.newestFirst !== true,
    };
    for await (const item of this.query(input, pageSize)) {
      yield readingFromItem(item);
    }
  }

  /** A series' readings in the range, all in one array (use {@link getReadings} for long ranges). */
  async readAll(series: string, options: GetReadingsOptions = {}): Promise<StoredReading[]> {
    const readings: StoredReading[] = [];
    for await (const r of this.getReadings(series, options)) readings.push(r);
    return readings;
  }

  /** The series' reading with the latest reading time, or undefined when it has none. */
  async getLatest(series: string): Promise<StoredReading | undefined> {
    for await (const r of this.getReadings(series, { newestFirst: true, pageSize: 1 })) return r;
    return undefined;
  }

  /**
   * The series of a customer, in series-key order, from the series registry the ingest function keeps, fetched a
   * page at a time as they are read. The registry is spread over several partition keys (`seriesRegistryKeys` in
   * `core/`, the key written before the spread included); their first pages are read in parallel and merged in
   * series-key order, a series listed under two keys once (with the earliest `firstSeenAt`).
   */
  async *listSeries(customerId: string): AsyncGenerator<SeriesEntry, void, undefined> {
    if (!customerId || customerId.includes('/')) {
      throw new InvalidArgumentError(`customerId must be a customer id without "/", got ${JSON.stringify(customerId)}`);
    }
    const sources = seriesRegistryKeys(customerId).map((pk) =>
      this.query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }),
    );
    let pending: SeriesEntry | undefined;
    for await (const item of mergeSorted(sources, byStoredOrder)) {
      const entry = seriesEntryFromItem(item);
      if (pending && pending.seriesKey === entry.seriesKey) {
        // registered under the old key and a new one: the earliest firstSeenAt wins
        if ((entry.attributes.firstSeenAt ?? '') < (pending.attributes.firstSeenAt ?? '')) pending = entry;
        continue;
      }
      if (pending) yield pending;
      pending = entry;
    }
    if (pending) yield pending;
  }

  /** The gaps in a series over a range (see `gaps.ts`); without a range, between its first and last reading. */
  async findGaps(series: string, options: TimeRange & { cadenceMillis?: number } = {}): Promise<SeriesGapReport> {
    const readings = await this.readAll(series, options);
    return { seriesKey: series, ...findGaps(readings, options) };
  }

  /** The plausibility flags of a series' readings over a range (see `plausibility.ts`). */
  async checkPlausibility(series: string, options: TimeRange & PlausibilityOptions = {}): Promise<PlausibilityFlag[]> {
    return checkPlausibility(await this.readAll(series, options), options);
  }

  /** Every item of a Query, through the SDK's paginator (a page of `pageSize` items per request). */
  private async *query(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit' | 'ConsistentRead'>,
    pageSize = this.pageSize,
  ): AsyncGenerator<Record<string, AttributeValue>, void, undefined> {
    const pages = paginateQuery(
      { client: this.client, pageSize },
      { ...input, TableName: this.tableName, ConsistentRead: this.consistentRead },
    );
    for await (const page of pages) yield* page.Items ?? [];
  }
}

/**
 * The order DynamoDB keeps a partition's items in: by the sort key's UTF-8 bytes (JavaScript's `<` compares UTF-16
 * code units, which differs above U+FFFF), so merging the registry's keys agrees with what each Query returns.
 */
function byStoredOrder(a: Record<string, AttributeValue>, b: Record<string, AttributeValue>): number {
  return Buffer.compare(Buffer.from(a.sk?.S ?? '', 'utf8'), Buffer.from(b.sk?.S ?? '', 'utf8'));
}

/** Throws {@link InvalidArgumentError} unless `series` is `<customer-id>/<meter-id>/<register-id>`. */
export function checkSeriesKey(series: string): void {
  if (typeof series !== 'string' || !parseSeriesKey(series)) {
    throw new InvalidArgumentError(
      `series must be <customer-id>/<meter-id>/<register-id> (register a positive integer), got ${JSON.stringify(series)}`,
    );
  }
}

function checkPageSize(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`pageSize must be a positive integer, got ${n}`);
  return n;
}
