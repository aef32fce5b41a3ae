/**
 * DynamoDB items of the readings table (see `core/table-layout.ts`) decoded into typed readings, with the value kept
 * as its exact decimal text (core's canonical form). Works on the items a query returns (`@aws-sdk/client-dynamodb`'s
 * `AttributeValue`) and on the new images of the table's DynamoDB stream (`aws-lambda`'s `AttributeValue`) alike.
 *
 * Forward compatible: an app built with this client keeps reading the table after the pipeline is upgraded. An item
 * written from a payload schema version this client does not know (a newer decoder's `schemaVersion` 3, say) is
 * read like any other, with its version reported (`schemaVersion`, and `knownSchemaVersion` false); attributes this
 * client does not know are ignored. Only an item that is no reading at all (no series key, no reading time, no
 * value, no source) is an {@link ItemShapeError}.
 */
import { normalizeDecimal, parseSeriesKey, SERIES_REGISTRY_PREFIX, type Reading } from '../core';
import { ItemShapeError } from './errors';

/** The part of a DynamoDB attribute value this codec reads; both the SDK's and `aws-lambda`'s types fit it. */
export interface AttributeLike {
  readonly S?: string;
  readonly N?: string;
}

/** A DynamoDB item, from a query or from a stream image. */
export type ItemLike = Readonly<Record<string, AttributeLike | undefined>>;

/** Where a stored reading came from. */
export interface ReadingSource {
  /** The MQTT topic it was published on. */
  readonly topic: string;
  /** The Kinesis shard and sequence number of the record that carried it. */
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** The payload schema versions this client knows the attributes of. */
export const KNOWN_SCHEMA_VERSIONS: readonly number[] = [1, 2];

/** A reading as stored in the readings table: the decoded reading, when it travelled, and where it came from. */
export interface StoredReading extends Omit<Reading, 'schemaVersion'> {
  /**
   * The payload schema version the reading came in: 1 or 2, or a newer one when a newer pipeline wrote the item
   * (read all the same; see `knownSchemaVersion`).
   */
  readonly schemaVersion: number;
  /** False when `schemaVersion` is one this client does not know: the item may carry attributes it ignores. */
  readonly knownSchemaVersion: boolean;
  /** When the bridge received the message (ISO 8601 UTC). */
  readonly receivedAt: string;
  /** When the ingest function stored it (ISO 8601 UTC). */
  readonly ingestedAt: string;
  readonly source: ReadingSource;
}

/** One entry of a customer's series registry: a meter register that has delivered at least one reading. */
export interface SeriesEntry {
  readonly seriesKey: string;
  readonly customerId: string;
  readonly meterId: string;
  readonly registerId: number;
  /** Every other attribute of the registry item, as text (e.g. when the series was first seen), for display. */
  readonly attributes: Readonly<Record<string, string>>;
}

function text(item: ItemLike, name: string, what: string): string {
  const v = item[name]?.S;
  if (typeof v !== 'string') throw new ItemShapeError(`${what} has no string attribute "${name}"`);
  return v;
}

function optionalText(item: ItemLike, name: string): string | undefined {
  const v = item[name]?.S;
  return typeof v === 'string' ? v : undefined;
}

function number(item: ItemLike, name: string, what: string): string {
  const v = item[name]?.N;
  if (typeof v !== 'string') throw new ItemShapeError(`${what} has no number attribute "${name}"`);
  return v;
}

/**
 * The value in `core`'s canonical text, the form the decoder gave it: DynamoDB hands numbers back in a form of its own
 * (`1500000000000000000000000000000000000000000000` for `1.5E+45`). Same number, exactly; only the text differs.
 */
function canonicalValue(n: string, what: string): string {
  const canonical = normalizeDecimal(n);
  if (!canonical.ok) throw new ItemShapeError(`${what} has a value that is not a decimal number: ${canonical.message}`);
  return canonical.value;
}

/** True when an item of the readings table is a series registry entry rather than a reading. */
export function isSeriesRegistryItem(item: ItemLike): boolean {
  return item.pk?.S?.startsWith(SERIES_REGISTRY_PREFIX) === true;
}

/** Decodes a readings-table item into a {@link StoredReading}. Throws {@link ItemShapeError} on any other item. */
export function readingFromItem(item: ItemLike): StoredReading {
  const pk = item.pk?.S ?? '(no pk)';
  const what = `readings item ${JSON.stringify(pk)}/${JSON.stringify(item.sk?.S ?? '(no sk)')}`;
  if (isSeriesRegistryItem(item)) throw new ItemShapeError(`${what} is a series registry entry, not a reading`);
  const key = parseSeriesKey(text(item, 'pk', what));
  if (!key) throw new ItemShapeError(`${what} has a pk that is not a series key <customer>/<meter>/<register>`);
  const version = number(item, 'schemaVersion', what);
  const schemaVersion = Number(version);
  if (!Number.isSafeInteger(schemaVersion) || schemaVersion < 1) {
    throw new ItemShapeError(`${what} has schemaVersion ${version}, not a positive integer`);
  }
  const intervalStart = optionalText(item, 'intervalStart');
  const systemTime = optionalText(item, 'systemTime');
  const extraFields = optionalText(item, 'extraFields');
  return {
    seriesKey: pk,
    customerId: key.customerId,
    meterId: key.meterId,
    registerId: key.registerId,
    subscriptionId: text(item, 'subscriptionId', what),
    schemaVersion,
    knownSchemaVersion: KNOWN_SCHEMA_VERSIONS.includes(schemaVersion),
    value: canonicalValue(number(item, 'value', what), what),
    readingTime: text(item, 'sk', what),
    ...(intervalStart !== undefined ? { intervalStart } : {}),
    ...(systemTime !== undefined ? { systemTime } : {}),
    ...(extraFields !== undefined ? { extraFields } : {}),
    receivedAt: text(item, 'receivedAt', what),
    ingestedAt: text(item, 'ingestedAt', what),
    source: {
      topic: text(item, 'topic', what),
      shardId: text(item, 'shardId', what),
      sequenceNumber: text(item, 'sequenceNumber', what),
    },
  };
}

/** Decodes a series registry item (`pk = 'series#' + customerId`, `sk = seriesKey`). */
export function seriesEntryFromItem(item: ItemLike): SeriesEntry {
  const what = `series registry item ${JSON.stringify(item.pk?.S ?? '(no pk)')}/${JSON.stringify(item.sk?.S ?? '(no sk)')}`;
  const seriesKey = text(item, 'sk', what);
  const key = parseSeriesKey(seriesKey);
  if (!key) throw new ItemShapeError(`${what} has an sk that is not a series key <customer>/<meter>/<register>`);
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name === 'pk' || name === 'sk' || value === undefined) continue;
    const v = value.S ?? value.N;
    if (v !== undefined) attributes[name] = v;
  }
  return { seriesKey, ...key, attributes };
}
