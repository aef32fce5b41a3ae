/**
 * Example: reacting to new readings through the change feed, the readings table's DynamoDB stream (`NEW_IMAGE`).
 *
 * Wire a Lambda function to the table's stream (in CDK: `fn.addEventSource(new DynamoEventSource(table, {
 * startingPosition: StartingPosition.LATEST, reportBatchItemFailures: true, bisectBatchOnError: true }))`, with the
 * table from the stack). Every stored reading arrives once as an `INSERT` (the ingest function never updates or
 * deletes a reading); the series registry's items arrive too, once per new series, and are told apart here.
 *
 * The stream delivers at least once, in order per item key: make `onReading` idempotent (the key is
 * `seriesKey` + `readingTime`). A record that throws is reported in `batchItemFailures` and retried from there.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { isSeriesRegistryItem, readingFromItem, seriesEntryFromItem, type SeriesEntry, type StoredReading } from '..';

/** What the consumer does with the feed. */
export interface ChangeFeedCallbacks {
  /** A reading was stored. */
  readonly onReading: (reading: StoredReading) => Promise<void>;
  /** A series delivered its first reading. @default - ignored */
  readonly onNewSeries?: (series: SeriesEntry) => Promise<void>;
}

/** A Lambda handler for the readings table's stream that hands each new reading to `onReading`, in stream order. */
export function createChangeFeedHandler(callbacks: ChangeFeedCallbacks) {
  return async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    for (const record of event.Records) {
      const image = record.dynamodb?.NewImage;
      if (record.eventName !== 'INSERT' || !image) continue;
      try {
        if (isSeriesRegistryItem(image)) {
          await callbacks.onNewSeries?.(seriesEntryFromItem(image));
        } else {
          await callbacks.onReading(readingFromItem(image));
        }
      } catch (err) {
        console.error(JSON.stringify({ message: 'change feed record failed', error: String(err) }));
        // this record and every later one are retried; the earlier ones are done
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
}

/** The example's entry point: one JSON line per new reading, with its exact decimal value. */
export const handler = createChangeFeedHandler({
  onReading: async (r) => {
    console.log(JSON.stringify({ series: r.seriesKey, time: r.readingTime, value: r.value, v: r.schemaVersion }));
  },
  onNewSeries: async (s) => {
    console.log(JSON.stringify({ newSeries: s.seriesKey }));
  },
});
