/** Fix found by the ingest work: a topic that is not well-formed Unicode is rejected, not turned into a DynamoDB key. */
import { decodeStreamRecord, parseTopic } from '../../core';

describe('parseTopic on strings that are not well-formed Unicode', () => {
  it.each([
    ['a lone high surrogate', 'meters/outbound/c\ud800/s/m'],
    ['a lone low surrogate', 'meters/outbound/c/s/\udc00m'],
    ['a high surrogate at the end', 'meters/outbound/c/s/m\ud83d'],
  ])('fails on %s', (_name, topic) => {
    expect(parseTopic(topic)).toMatchObject({
      ok: false,
      reason: 'bad-topic',
      message: expect.stringContaining('well-formed'),
    });
  });

  it('accepts a surrogate pair (an emoji is well-formed)', () => {
    expect(parseTopic('meters/outbound/c\ud83d\ude00/s/m')).toMatchObject({ ok: true, value: { customerId: 'c😀' } });
  });

  it('fails on a lone surrogate that arrives through a JSON envelope escape', () => {
    // GIVEN an envelope (not from the bridge) whose topic escapes a lone surrogate
    const data = Buffer.from(
      '{"v":1,"topic":"meters/outbound/c\\ud800/s/m","receivedAt":"2026-01-01T00:00:00.000Z","size":0,"payload":""}',
    );
    const envelope = decodeStreamRecord(data);
    if (!envelope.ok) throw new Error(envelope.message);
    // WHEN its topic is parsed THEN it is a bad topic
    expect(parseTopic(envelope.value.topic)).toMatchObject({ ok: false, reason: 'bad-topic' });
  });
});
