/** A replay marker travels in the stream envelope and comes out as it went in; a bad one is a bad-envelope. */
import { decodeStreamRecord, encodeStreamRecord, type ReplayMarker } from '../../core';
import { readingItem } from '../../functions/ingest/reading-store';

const marker: ReplayMarker = {
  id: '20261201T230000Z-abc123',
  at: '2026-12-01T23:00:00.000Z',
  source: 'quarantine',
  of: 'shardId-000000000001/4960',
  reason: 'unsupported-version',
};
const message = { topic: 'meters/outbound/c/s/m', payload: Buffer.from('{}'), receivedAt: '2026-01-01T00:00:00.000Z' };

describe('replay marker', () => {
  it('round-trips through the envelope', () => {
    const first = decodeStreamRecord(encodeStreamRecord(message).data);
    if (!first.ok) throw new Error(first.message);
    const decoded = decodeStreamRecord(encodeStreamRecord({ ...first.value, replay: marker }).data);
    expect(decoded.ok && decoded.value.replay).toEqual(marker);
  });

  it.each([
    [{ ...marker, source: 'elsewhere' }, 'has a bad "source"'],
    [{ ...marker, reason: 'no-such-reason' }, 'has a bad "reason"'],
    [{ ...marker, extra: 1 }, 'has unknown fields ["extra"]'],
  ])('fails on a bad marker %j', (replay, what) => {
    const doc = JSON.parse(Buffer.from(encodeStreamRecord(message).data).toString());
    const decoded = decodeStreamRecord(Buffer.from(JSON.stringify({ ...doc, replay })));
    expect(decoded).toEqual({
      ok: false,
      reason: 'bad-envelope',
      message: `stream record has a "replay" marker that ${what}`,
    });
  });

  it('is written onto the stored reading: when, from where, the reason it came from', () => {
    const reading = {
      customerId: 'c',
      subscriptionId: 's',
      meterId: 'm',
      registerId: 2,
      schemaVersion: 1,
      seriesKey: 'c/m/2',
      readingTime: '2026-01-01T00:00:00.000Z',
      value: '1.5',
    } as unknown as Parameters<typeof readingItem>[0];
    const source = { topic: 't', shardId: 'sh', sequenceNumber: '9', receivedAt: '2026-01-01T00:00:00.000Z' };
    const item = readingItem(reading, { ...source, replay: marker }, new Date());
    expect(item).toMatchObject({
      replayId: { S: marker.id },
      replayedAt: { S: marker.at },
      replaySource: { S: 'quarantine' },
      replayOf: { S: marker.of },
      replayReason: { S: 'unsupported-version' },
    });
    expect(readingItem(reading, source, new Date()).replayId).toBeUndefined();
  });
});
