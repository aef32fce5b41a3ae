/**
 * The readings client: typed, exact reads of the readings table for downstream apps (a series' readings, the latest,
 * a customer's series), completeness and plausibility checks, and the quarantine tools. The DynamoDB client is
 * injected (`@aws-sdk/client-dynamodb`'s `DynamoDBClient`); values stay decimal text, never a float unless asked.
 */
export { ReadingsClient, READINGS_CLIENT_DEFAULTS, checkSeriesKey } from './readings-client';
export type { ReadingsClientOptions, GetReadingsOptions, SeriesGapReport } from './readings-client';
export { QuarantineClient, BY_REASON_INDEX, checkReason } from './quarantine';
export type { QuarantineClientOptions, ListQuarantineOptions } from './quarantine';
export { quarantinedItemFromItem } from './quarantine-item';
export type { QuarantinedItem, QuarantinedConflict, QuarantineSource } from './quarantine-item';
export { redecode, type PayloadDecoder, type Redecoded } from './redecode';
export { readingFromItem, seriesEntryFromItem, isSeriesRegistryItem } from './item-codec';
export type { AttributeLike, ItemLike, ReadingSource, SeriesEntry, StoredReading } from './item-codec';
export { findGaps, inferCadence } from './gaps';
export type { CadenceSource, FindGapsOptions, Gap, GapInput, GapReport } from './gaps';
export { checkPlausibility, PLAUSIBILITY_DEFAULTS, PLAUSIBILITY_FLAG_KINDS } from './plausibility';
export type { PlausibilityFlag, PlausibilityFlagKind, PlausibilityInput, PlausibilityOptions } from './plausibility';
export { compareDecimal, toLossyNumber } from './decimal-compare';
export { toSortKey, toSortKeyRange, type TimeRange } from './time-range';
export { ReadingsClientError, InvalidArgumentError, ItemShapeError } from './errors';
