/**
 * Example: the readings client in a downstream app. Prints a series' readings for a day, its latest reading, its
 * completeness and its plausibility flags.
 *
 *   READINGS_TABLE_NAME=readings-local AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 \
 *     npx tsx readings-client/examples/query-readings.ts demo/m-00001/2 2026-01-01
 *
 * The endpoint variable is the SDK's own (DynamoDB Local); without it, the client talks to AWS in AWS_REGION.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReadingsClient } from '..';

async function main(series: string, day: string): Promise<void> {
  const tableName = process.env.READINGS_TABLE_NAME;
  if (!tableName) throw new Error('set READINGS_TABLE_NAME to the readings table (stack output ReadingsTableName)');
  const readings = new ReadingsClient({ client: new DynamoDBClient({}), readingsTableName: tableName });
  const range = { from: `${day}T00:00:00Z`, to: `${day}T23:59:59.999Z` };

  // an async iterator: pages are fetched as the loop goes, so a long range never sits in memory at once
  for await (const r of readings.getReadings(series, range)) {
    console.log(r.readingTime, r.value); // r.value is the exact decimal text, e.g. '63082.299'
  }
  console.log('latest:', (await readings.getLatest(series))?.value);
  const report = await readings.findGaps(series, range);
  console.log(`cadence ${report.cadenceMillis} ms, ${report.missing} missing, gaps:`, report.gaps);
  console.log('flags:', await readings.checkPlausibility(series, range));
}

main(process.argv[2] ?? '', process.argv[3] ?? new Date().toISOString().slice(0, 10)).catch((err: unknown) => {
  console.error(`query-readings: ${(err as Error).message}`);
  process.exitCode = 1;
});
