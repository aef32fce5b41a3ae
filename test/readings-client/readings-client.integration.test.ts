/**
 * The readings client against DynamoDB Local, on data written by the real ingest handler.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { normalizeDecimal, seriesRegistryKey, seriesRegistryKeys } from '../../core';
import { InvalidArgumentError, ReadingsClient } from '../../readings-client';
import { main } from '../../tools/readings-cli';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createChangeFeedHandler } from '../../readings-client/examples/change-feed-consumer';
import {
  at,
  collect,
  freshPipeline,
  scanAll,
  startLocalDynamo,
  v1,
  v2,
  type LocalDynamo,
  type Message,
} from './support/pipeline';

const C = 'cust-a';
const normalized = (text: string) => {
  const r = normalizeDecimal(text);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};
const BIG = '12345678901234567890.123456789012345678'; // 38 significant digits
const range = (n: number, f: (i: number) => Message | undefined) =>
  Array.from({ length: n }, (_, i) => f(i)).filter((m): m is Message => m !== undefined);

let dynamo: LocalDynamo;
let readingsTable: string;
let client: ReadingsClient;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const pipeline = await freshPipeline(dynamo.client, () => new Date('2026-01-01T12:00:00.000Z'));
  readingsTable = pipeline.readings;
  // GIVEN, through the real ingest handler (in several batches, with a duplicate delivery):
  await pipeline.deliver([
    // m1/2: v1 every minute for 10 minutes, minutes 4 and 5 missing
    ...range(10, (i) => (i === 4 || i === 5 ? undefined : v1(C, 'm1', i, `${1000 + i}.5`))),
    // m1/12: v2 15-minute intervals, complete over two hours
    ...range(8, (i) => v2(C, 'm1', 12, 15 * (i + 1), `${i}.25`)),
  ]);
  await pipeline.deliver([
    // m2/2: v1 complete; m2/12: v2 with the interval ending at minute 45 missing
    ...range(10, (i) => v1(C, 'm2', i, `${i}`)),
    ...range(6, (i) => (i === 2 ? undefined : v2(C, 'm2', 12, 15 * (i + 1), '1'))),
    // m3/2: an accumulated register going backwards at minute 2
    v1(C, 'm3', 0, '100.5'),
    v1(C, 'm3', 1, '100.75'),
    v1(C, 'm3', 2, '100.7'),
    v1(C, 'm3', 3, '101'),
    // m4/2: exact values
    v1(C, 'm4', 0, '123.456'),
    v1(C, 'm4', 1, BIG),
    v1(C, 'm4', 2, '1.50e3'),
    // m6/2: values at the ends of DynamoDB's range, in exponent form
    v1(C, 'm6', 0, '1.5e45'),
    v1(C, 'm6', 1, '-1E-100'),
    // m5/2: 25 readings, for paging
    ...range(25, (i) => v1(C, 'm5', i, String(i))),
    // another customer's series is not listed
    v1('cust-b', 'm1', 0, '1'),
  ]);
  await pipeline.deliver([v1(C, 'm4', 0, '123.456')]); // a duplicate delivery: still one reading
  client = new ReadingsClient({ client: dynamo.client, readingsTableName: readingsTable });
});

afterAll(async () => {
  await dynamo?.stop();
});

describe('ReadingsClient', () => {
  it('lists a customer series from the series registry', async () => {
    // WHEN
    const series = await collect(client.listSeries(C));
    // THEN
    expect(series.map((s) => s.seriesKey)).toEqual([
      'cust-a/m1/12',
      'cust-a/m1/2',
      'cust-a/m2/12',
      'cust-a/m2/2',
      'cust-a/m3/2',
      'cust-a/m4/2',
      'cust-a/m5/2',
      'cust-a/m6/2',
    ]);
    expect(series[0]).toMatchObject({ customerId: C, meterId: 'm1', registerId: 12 });
    expect(series[0]?.attributes.firstSeenAt).toBe('2026-01-01T12:00:00.000Z');
  });

  it('lists series registered under the spread keys and under the old single key alike, each once, in order', async () => {
    // GIVEN registry items written before the spread (pk series#<customer>), one of them also under its spread key
    const legacy = (meter: string, firstSeenAt: string) => ({
      pk: { S: 'series#cust-old' },
      sk: { S: `cust-old/${meter}/2` },
      customerId: { S: 'cust-old' },
      meterId: { S: meter },
      registerId: { N: '2' },
      firstSeenAt: { S: firstSeenAt },
    });
    const items = [
      legacy('m2', '2025-01-01T00:00:00.000Z'),
      legacy('m9', '2025-01-02T00:00:00.000Z'),
      { ...legacy('m2', '2026-01-01T00:00:00.000Z'), pk: { S: seriesRegistryKey('cust-old', 'cust-old/m2/2') } },
      { ...legacy('m5', '2026-01-01T00:00:00.000Z'), pk: { S: seriesRegistryKey('cust-old', 'cust-old/m5/2') } },
    ];
    for (const Item of items) await dynamo.client.send(new PutItemCommand({ TableName: readingsTable, Item }));
    // WHEN the customer's series are listed
    const series = await collect(client.listSeries('cust-old'));
    // THEN every series once, in order, the earliest registration kept
    expect(series.map((s) => s.seriesKey)).toEqual(['cust-old/m2/2', 'cust-old/m5/2', 'cust-old/m9/2']);
    expect(series[0]?.attributes.firstSeenAt).toBe('2025-01-01T00:00:00.000Z');
  });

  it('lists series a page at a time, as they are read', async () => {
    // GIVEN a client asking for one item per request
    const small = new ReadingsClient({ client: dynamo.client, readingsTableName: readingsTable, pageSize: 1 });
    const send = jest.spyOn(dynamo.client, 'send');
    try {
      // WHEN only the first series is read
      for await (const entry of small.listSeries(C)) {
        expect(entry.seriesKey).toBe('cust-a/m1/12');
        break;
      }
      const firstOnly = send.mock.calls.length;
      send.mockClear();
      // AND then all of them
      const all = await collect(small.listSeries(C));
      // THEN the first took a page per registry key and one more, the whole list more: nothing is read up front
      expect(all).toHaveLength(8);
      // (the first page of every registry key, and the next item after the first: is it listed twice?)
      expect(firstOnly).toBe(seriesRegistryKeys(C).length + 1);
      // (one request per series, of one item, and each key's last, empty page)
      expect(send.mock.calls.length).toBe(seriesRegistryKeys(C).length + all.length);
    } finally {
      send.mockRestore();
    }
  });

  it('pages through a long series with a small page size', async () => {
    // GIVEN a client asking for 4 items per request
    const small = new ReadingsClient({ client: dynamo.client, readingsTableName: readingsTable, pageSize: 4 });
    const send = jest.spyOn(dynamo.client, 'send');
    try {
      // WHEN
      const values: string[] = [];
      for await (const r of small.getReadings('cust-a/m5/2')) values.push(r.value);
      // THEN every reading, in time order, over 7 requests (the last one finds the end)
      expect(values).toEqual(range(25, (i) => ({ topic: '', payload: String(i) })).map((m) => m.payload));
      expect(send.mock.calls.length).toBeGreaterThanOrEqual(7);
    } finally {
      send.mockRestore();
    }
  });

  it('reads a time range, both ends inclusive, and newest first when asked', async () => {
    const times = (await client.readAll('cust-a/m5/2', { from: at(3), to: at(6) })).map((r) => r.readingTime);
    expect(times).toEqual([at(3), at(4), at(5), at(6)]);
    const newest = await client.readAll('cust-a/m5/2', { from: at(20), newestFirst: true, pageSize: 2 });
    expect(newest.map((r) => r.value)).toEqual(['24', '23', '22', '21', '20']);
  });

  it('returns exact decimal values, 38 significant digits included', async () => {
    // WHEN
    const readings = await client.readAll('cust-a/m4/2');
    // THEN the decimal text as decoded, no float anywhere
    expect(readings.map((r) => r.value)).toEqual(['123.456', BIG, '1500']);
  });

  it("returns values in core's canonical text, exponents included", async () => {
    // GIVEN DynamoDB hands numbers back in a form of its own
    const readings = await client.readAll('cust-a/m6/2');
    // THEN the client returns the text the decoder made of the payload
    expect(readings.map((r) => r.value)).toEqual([normalized('1.5e45'), normalized('-1E-100')]);
  });

  it('returns typed readings with their source', async () => {
    const [first] = await client.readAll('cust-a/m1/12', { to: at(15) });
    expect(first).toEqual({
      seriesKey: 'cust-a/m1/12',
      customerId: C,
      subscriptionId: 'sub-1',
      meterId: 'm1',
      registerId: 12,
      schemaVersion: 2,
      knownSchemaVersion: true,
      value: '0.25',
      readingTime: at(15),
      intervalStart: at(0),
      receivedAt: '2026-01-01T00:00:00.000Z',
      ingestedAt: '2026-01-01T12:00:00.000Z',
      source: {
        topic: 'meters/outbound/cust-a/sub-1/m1',
        shardId: 'shardId-000000000000',
        sequenceNumber: expect.any(String),
      },
    });
  });

  it('gets the latest reading of a series, and undefined for a series without readings', async () => {
    expect((await client.getLatest('cust-a/m5/2'))?.value).toBe('24');
    expect(await client.getLatest('cust-a/nope/2')).toBeUndefined();
  });

  it.each([
    ['v1 with holes', 'cust-a/m1/2', [{ from: at(3), to: at(6), missing: 2 }]],
    ['v1 complete', 'cust-a/m2/2', []],
    ['v2 complete', 'cust-a/m1/12', []],
    ['v2 with a hole', 'cust-a/m2/12', [{ from: at(30), to: at(45), missing: 1 }]],
  ])('finds the gaps of a series: %s', async (_name, series, gaps) => {
    // WHEN
    const report = await client.findGaps(series);
    // THEN
    expect(report.gaps).toEqual(gaps);
    expect(report.seriesKey).toBe(series);
  });

  it('finds readings missing at the ends of a range', async () => {
    const report = await client.findGaps('cust-a/m2/2', { from: at(0), to: at(12) });
    expect(report.gaps).toEqual([{ from: at(9), to: at(12), missing: 3 }]);
    expect(report.completeness).toBeCloseTo(10 / 13);
  });

  it('flags an accumulated register going backwards', async () => {
    // WHEN
    const flags = await client.checkPlausibility('cust-a/m3/2', { now: at(60) });
    // THEN
    expect(flags).toEqual([
      expect.objectContaining({ kind: 'register-backwards', readingTime: at(2), relatedReadingTime: at(1) }),
    ]);
    expect(await client.checkPlausibility('cust-a/m2/2', { now: at(60) })).toEqual([]);
  });

  it('fails on a series key that is not <customer>/<meter>/<register>', async () => {
    await expect(client.readAll('cust-a/m1')).rejects.toThrow(InvalidArgumentError);
    await expect(client.getLatest('cust-a/m1/two')).rejects.toThrow(
      'series must be <customer-id>/<meter-id>/<register-id> (register a positive integer), got "cust-a/m1/two"',
    );
  });

  it('fails on a range whose start is after its end', async () => {
    await expect(client.readAll('cust-a/m1/2', { from: at(5), to: at(1) })).rejects.toThrow(
      `from (${at(5)}) must not be after to (${at(1)})`,
    );
  });
});

describe('the change-feed consumer example', () => {
  it('hands every new reading to onReading with its exact value, and new series to onNewSeries', async () => {
    // GIVEN the stream's INSERT records for what the ingest function wrote (new images are the items as stored)
    const items = (await scanAll(dynamo.client, readingsTable)).filter(
      (i) => i.pk?.S === 'cust-a/m4/2' || i.sk?.S === 'cust-a/m4/2',
    );
    const event = {
      Records: items.map((item, n) => ({
        eventName: 'INSERT',
        dynamodb: { NewImage: item, SequenceNumber: String(n + 1), StreamViewType: 'NEW_IMAGE' },
      })),
    } as unknown as DynamoDBStreamEvent;
    const readings: string[] = [];
    const series: string[] = [];
    const handler = createChangeFeedHandler({
      onReading: async (r) => {
        readings.push(`${r.seriesKey} ${r.readingTime} ${r.value}`);
      },
      onNewSeries: async (s) => {
        series.push(s.seriesKey);
      },
    });
    // WHEN
    const response = await handler(event);
    // THEN
    expect(response).toEqual({ batchItemFailures: [] });
    expect(readings).toEqual([
      `cust-a/m4/2 ${at(0)} 123.456`,
      `cust-a/m4/2 ${at(1)} ${BIG}`,
      `cust-a/m4/2 ${at(2)} 1500`,
    ]);
    expect(series).toEqual(['cust-a/m4/2']);
  });

  it('reports the first failing record so the stream retries from it', async () => {
    const [item] = await scanAll(dynamo.client, readingsTable);
    const event = {
      Records: [1, 2, 3].map((n) => ({ eventName: 'INSERT', dynamodb: { NewImage: item, SequenceNumber: String(n) } })),
    } as unknown as DynamoDBStreamEvent;
    let calls = 0;
    const consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const handler = createChangeFeedHandler({
      onReading: async () => {
        if (++calls === 2) throw new Error('downstream unavailable');
      },
      onNewSeries: async () => {
        if (++calls === 2) throw new Error('downstream unavailable');
      },
    });
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '2' }] });
    expect(calls).toBe(2);
    consoleError.mockRestore();
  });
});

describe('readings CLI on DynamoDB Local', () => {
  async function run(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await main([...argv, '--endpoint', dynamo.endpoint, '--readings-table', readingsTable], {
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
      env: { AWS_REGION: 'eu-west-1' },
      now: () => new Date(at(60)),
    });
    return { code, stdout, stderr };
  }

  it('prints a series as JSON with exact values and flags', async () => {
    const { code, stdout, stderr } = await run('get', 'cust-a/m4/2', '--json');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const doc = JSON.parse(stdout);
    expect(doc.readings.map((r: { value: string }) => r.value)).toEqual(['123.456', BIG, '1500']);
    expect(stdout).toContain(`"value": "${BIG}"`);
  });

  it('prints a series as a table with its flags', async () => {
    const { code, stdout } = await run('get', 'cust-a/m3/2', '--from', at(1), '--to', at(3));
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^READING TIME\s+VALUE\s+V\s+INTERVAL START\s+SUBSCRIPTION\s+FLAGS$/);
    expect(stdout).toMatch(new RegExp(`${at(2)}\\s+100.7\\s+1\\s+sub-1\\s+register-backwards`));
    expect(stdout).toContain('3 readings, 1 flagged:');
  });

  it('takes a series alone as get', async () => {
    const { code, stdout } = await run('cust-a/m4/2', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout).readings).toHaveLength(3);
  });

  it('prints the latest reading', async () => {
    const { code, stdout } = await run('latest', 'cust-a/m4/2', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ value: '1500', readingTime: at(2) });
  });

  it('lists the series of a customer', async () => {
    const { code, stdout } = await run('series', 'cust-b');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^SERIES\s+METER\s+REGISTER\s+FIRST SEEN\ncust-b\/m1\/2\s+m1\s+2\s+2026-01-01T12:00:00.000Z\n$/,
    );
  });

  it('prints a per-series completeness summary for a customer', async () => {
    // WHEN
    const { code, stdout, stderr } = await run('gaps', C);
    // THEN one line per series
    expect(stderr).toMatch(
      /^readings: gaps cust-a without --from reads the 24 h before now \(from 2025-12-31T\d\d:00:00.000Z\); give --from\/--to for another window\n$/,
    );
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERIES\s+READINGS\s+CADENCE\s+MISSING\s+COMPLETE\s+GAPS\s+FIRST\s+LAST$/);
    expect(lines).toHaveLength(9);
    expect(stdout).toMatch(/cust-a\/m1\/2\s+8\s+1m\s+2\s+80\.0%\s+1\s/);
    expect(stdout).toMatch(/cust-a\/m1\/12\s+8\s+15m\s+0\s+100\.0%\s+0\s/);
    const json = JSON.parse((await run('gaps', C, '--json')).stdout);
    expect(json).toHaveLength(8);
  });

  it.each([
    // [what, now, extra arguments, the window's start on stderr, m1/2's readings read]
    ['the day before now', at(24 * 60 + 6), [], `${at(6)} `, 4],
    ['the day before --to', at(60), ['--to', at(24 * 60 + 7)], `${at(7)} `, 3],
  ])('reads only %s for a customer without --from, and says so in one line', async (_what, now, extra, start, m12) => {
    // WHEN gaps runs for a customer without --from
    let stdout = '';
    let stderr = '';
    const code = await main(
      ['gaps', C, '--json', ...extra, '--endpoint', dynamo.endpoint, '--readings-table', readingsTable],
      {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        env: { AWS_REGION: 'eu-west-1' },
        now: () => new Date(now),
      },
    );
    // THEN one line names the window, and no reading before it was read
    expect(code).toBe(0);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`without --from reads the 24 h before`);
    expect(stderr).toContain(`(from ${start.trim()})`);
    const reports = JSON.parse(stdout) as { seriesKey: string; readings: number; missing: number }[];
    expect(reports.find((r) => r.seriesKey === `${C}/m1/2`)).toMatchObject({ readings: m12 });
  });

  it('reads every reading of a customer when --from is given, without a note', async () => {
    const { code, stdout, stderr } = await run('gaps', C, '--json', '--from', '2025-01-01');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const reports = JSON.parse(stdout) as { seriesKey: string; readings: number }[];
    expect(reports.find((r) => r.seriesKey === `${C}/m1/2`)).toMatchObject({ readings: 8 });
  });

  it('fails with exit 1 and one line when the table does not exist', async () => {
    let stderr = '';
    const code = await main(['latest', 'cust-a/m4/2', '--endpoint', dynamo.endpoint, '--readings-table', 'nope'], {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
      env: {},
    });
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^readings: ResourceNotFoundException: /);
  });
});
