/** The raw archive's layout: lines that round-trip byte for byte, deterministic keys by hour, typed failures. */
import {
  archiveHourPrefixes,
  archiveObjectKey,
  compareSequenceNumbers,
  decodeArchiveLine,
  encodeArchiveLine,
  planArchiveObjects,
  type ArchivedRecord,
} from '../../core';

const record = (over: Partial<ArchivedRecord> = {}): ArchivedRecord => ({
  shardId: 'shardId-000000000001',
  sequenceNumber: '49600000000000000000000000000000000000000000000000000001',
  partitionKey: 'demo/m-00001',
  arrivedAt: '2026-01-02T03:04:05.006Z',
  data: new Uint8Array(Buffer.from('{"v":1}')),
  ...over,
});

describe('raw archive lines', () => {
  it.each([
    ['an envelope', Buffer.from('{"v":1,"topic":"t","payload":"AA=="}')],
    ['bytes that are not UTF-8, with a newline', Buffer.from([0xff, 0xfe, 0x0a, 0x00, 0x0d])],
    ['nothing', Buffer.alloc(0)],
  ])('round-trips %s byte for byte, on one line', (_name, data) => {
    const r = record({ data: new Uint8Array(data) });
    const line = encodeArchiveLine(r);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(decodeArchiveLine(line)).toEqual({ ok: true, value: r });
  });

  it.each([
    ['not JSON', 'nope', 'archive line is not JSON'],
    ['an array', '[]', 'archive line is not a JSON object'],
    ['another version', '{"v":2}', 'archive line has version 2, this code reads 1'],
    [
      'no shard',
      JSON.stringify({ v: 1, sequenceNumber: '1', partitionKey: 'p' }),
      'archive line has no string "shardId"',
    ],
    [
      'a bad arrival time',
      JSON.stringify({ v: 1, shardId: 's', sequenceNumber: '1', partitionKey: 'p', arrivedAt: 'yesterday' }),
      'archive line has a bad "arrivedAt": "yesterday"',
    ],
    [
      'data that is not base64',
      JSON.stringify({
        v: 1,
        shardId: 's',
        sequenceNumber: '1',
        partitionKey: 'p',
        arrivedAt: '2026-01-01T00:00:00.000Z',
        data: '***',
      }),
      'archive line has no base64 "data"',
    ],
  ])('fails on %s, saying what is wrong', (_name, line, message) => {
    expect(decodeArchiveLine(line)).toEqual({ ok: false, message });
  });
});

describe('raw archive keys', () => {
  it('names an object by the hour of its first record, its shard and first sequence number', () => {
    expect(archiveObjectKey('raw/', record())).toBe(
      'raw/2026/01/02/03/shardId-000000000001-49600000000000000000000000000000000000000000000000000001.ndjson.gz',
    );
  });

  it('plans one object per shard and hour, records in batch order', () => {
    const a = record({ sequenceNumber: '10', arrivedAt: '2026-01-02T03:59:59.999Z' });
    const b = record({ sequenceNumber: '11', arrivedAt: '2026-01-02T04:00:00.000Z' });
    const c = record({ sequenceNumber: '12', arrivedAt: '2026-01-02T04:00:01.000Z' });
    const d = record({ shardId: 'shardId-000000000002', sequenceNumber: '5', arrivedAt: '2026-01-02T04:00:01.000Z' });
    expect(
      planArchiveObjects('raw/', [a, b, d, c]).map((p) => [p.key, p.records.map((r) => r.sequenceNumber)]),
    ).toEqual([
      ['raw/2026/01/02/03/shardId-000000000001-10.ndjson.gz', ['10']],
      ['raw/2026/01/02/04/shardId-000000000001-11.ndjson.gz', ['11', '12']],
      ['raw/2026/01/02/04/shardId-000000000002-5.ndjson.gz', ['5']],
    ]);
  });

  it('lists every hour prefix of a range, both ends included', () => {
    expect(archiveHourPrefixes('raw/', new Date('2026-12-31T22:30:00Z'), new Date('2027-01-01T00:00:00Z'))).toEqual([
      'raw/2026/12/31/22/',
      'raw/2026/12/31/23/',
      'raw/2027/01/01/00/',
    ]);
  });

  it.each([
    ['9', '10', -1],
    ['10', '9', 1],
    ['123', '123', 0],
    ['124', '123', 1],
  ])('orders sequence number %s against %s as numbers', (a, b, sign) => {
    expect(Math.sign(compareSequenceNumbers(a, b))).toBe(sign);
  });
});
