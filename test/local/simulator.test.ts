import { decodeReading, judgeDelivery, REJECTION_REASONS, type Reading } from '../../core';
import { FeedBooks, malformedKey, readingKey } from '../../local/simulator/books';
import {
  feedTopicShapes,
  filterMatches,
  FeedPlan,
  PROVIDER_FORMS,
  type FeedMessage,
  type ProviderForm,
  type ReadingMessage,
} from '../../local/simulator/feed';
import { MALFORMED_REASONS } from '../../local/simulator/malformed';

const take = (plan: FeedPlan, n: number): FeedMessage[] => Array.from({ length: n }, () => plan.next());

describe('the feed simulator', () => {
  it('makes the same feed from the same seed and another from another seed', () => {
    // GIVEN two plans with one seed and one with another
    const a = take(new FeedPlan({ seed: 7 }), 2000);
    const b = take(new FeedPlan({ seed: 7 }), 2000);
    const c = take(new FeedPlan({ seed: 8 }), 2000);
    // THEN the first two agree byte for byte, the third does not
    expect(b.map((m) => [m.topic, m.payload.toString('base64'), m.kind])).toEqual(
      a.map((m) => [m.topic, m.payload.toString('base64'), m.kind]),
    );
    expect(c.map((m) => m.payload.toString('base64'))).not.toEqual(a.map((m) => m.payload.toString('base64')));
  });

  it.each([
    ['plain forms', 0],
    ['the provider forms', 0.3],
  ])('keeps books that match what the core makes of every message it generated, with %s', (_name, formsShare) => {
    // GIVEN a feed with many duplicates and malformed messages
    const plan = new FeedPlan({
      seed: 3,
      meters: 7,
      registers: [2, 1, 12],
      duplicateShare: 0.2,
      malformedShare: 0.1,
      providerFormsShare: formsShare,
    });
    const books = new FeedBooks();
    const identities = new Map<string, string>();
    const rejected: Record<string, number> = {};
    let duplicates = 0;
    // WHEN every message is entered in the books and decoded independently by the core
    for (const message of take(plan, 5000)) {
      books.record(message);
      const decoded = decodeReading(message.topic, message.payload);
      if (!decoded.ok) {
        rejected[decoded.reason] = (rejected[decoded.reason] ?? 0) + 1;
        continue;
      }
      const key = readingKey(decoded.value.seriesKey, decoded.value.readingTime);
      if (identities.has(key)) {
        duplicates++;
        expect(identities.get(key)).toBe(decoded.value.value);
        expect(message.kind).toBe('duplicate');
      } else identities.set(key, decoded.value.value);
    }
    // THEN the books say exactly what the core found
    const summary = books.summary();
    expect(summary.published).toBe(5000);
    expect(summary.unique).toBe(identities.size);
    expect(summary.duplicatesPublished).toBe(duplicates);
    expect(summary.malformed.byReason).toEqual(rejected);
    expect(summary.unique + summary.duplicatesPublished + summary.malformed.total).toBe(5000);
    for (const [key, value] of identities) expect(books.expectedReadings().get(key)?.value).toBe(value);
  });

  it('publishes no provider form unless asked to, so a seed makes the feed it made before', () => {
    const messages = take(new FeedPlan({ seed: 3, duplicateShare: 0.2, malformedShare: 0.1 }), 3000);
    expect(messages.filter((m) => m.kind !== 'malformed' && m.form !== undefined)).toEqual([]);
    for (const m of messages) {
      if (m.kind === 'malformed') continue;
      const text = m.payload.toString('utf8');
      expect(text).toMatch(/"register_id":\d+,/);
      expect(text).not.toMatch(/[+-]\d\d:?\d\d"/);
    }
  });

  it('fails on a provider forms share out of range', () => {
    expect(() => new FeedPlan({ providerFormsShare: 1.5 })).toThrow('providerFormsShare must be from 0 to 1, got 1.5');
  });

  it('publishes v1 for register 2 with a rising reading and v2 intervals at the cadence for the others', () => {
    const plan = new FeedPlan({
      seed: 1,
      meters: 1,
      registers: [2, 12],
      cadenceSeconds: 900,
      duplicateShare: 0,
      malformedShare: 0,
    });
    const decoded = take(plan, 6).map((m) => {
      const r = decodeReading(m.topic, m.payload);
      if (!r.ok) throw new Error(r.message);
      return r.value;
    });
    const v1 = decoded.filter((r) => r.registerId === 2);
    const v2 = decoded.filter((r) => r.registerId === 12);
    expect(v1.map((r) => r.schemaVersion)).toEqual([1, 1, 1]);
    expect(v2.map((r) => r.schemaVersion)).toEqual([2, 2, 2]);
    const values = v1.map((r) => Number(r.value));
    expect(values[1]).toBeGreaterThan(values[0]!);
    expect(values[2]).toBeGreaterThan(values[1]!);
    for (const r of v2) expect(Date.parse(r.readingTime) - Date.parse(r.intervalStart!)).toBe(900_000);
    expect(Date.parse(v2[1]!.readingTime) - Date.parse(v2[0]!.readingTime)).toBe(900_000);
    expect(decoded[0]!.customerId).toBe('demo');
  });

  it('covers every rejection reason a published message can cause', () => {
    expect([...MALFORMED_REASONS].sort()).toEqual(REJECTION_REASONS.filter((r) => r !== 'bad-envelope').sort());
  });

  it.each(MALFORMED_REASONS.map((r) => [r]))('makes %s messages that the core rejects with that reason', (reason) => {
    // GIVEN a feed of malformed messages only, with too-large in every cycle
    const plan = new FeedPlan({ seed: 11, malformedShare: 1, tooLargeEveryCycles: 1 });
    const messages = take(plan, MALFORMED_REASONS.length * 40).filter(
      (m) => m.kind === 'malformed' && m.reason === reason,
    );
    expect(messages.length).toBeGreaterThanOrEqual(reason === 'too-large' ? 10 : 20);
    // THEN each is rejected for exactly the intended reason and is unique in the books
    const keys = new Set<string>();
    for (const m of messages) {
      const decoded = decodeReading(m.topic, m.payload);
      expect(decoded.ok ? 'accepted' : decoded.reason).toBe(reason);
      keys.add(malformedKey(m.topic, m.payload));
    }
    expect(keys.size).toBe(messages.length);
  });

  it('publishes bad-topic messages under the customer base topic, so the bridge filter still matches', () => {
    const plan = new FeedPlan({ seed: 5, malformedShare: 1, customerId: 'acme' });
    const topics = take(plan, 500)
      .filter((m) => m.kind === 'malformed' && m.reason === 'bad-topic')
      .map((m) => m.topic);
    expect(topics.length).toBeGreaterThan(10);
    for (const t of topics) expect(t.startsWith('meters/outbound/acme/')).toBe(true);
  });

  it('fails on options out of range, naming the option', () => {
    expect(() => new FeedPlan({ meters: 0 })).toThrow('meters must be an integer from 1 to 1000000, got 0');
    expect(() => new FeedPlan({ duplicateShare: 2 })).toThrow('duplicateShare must be from 0 to 1, got 2');
    expect(() => new FeedPlan({ registers: [2, 2] })).toThrow('registers must differ');
  });
});

describe('the provider forms in the feed', () => {
  /** A feed of readings in provider forms only, each message with the core's decoding. */
  function formsFeed(n: number): { message: ReadingMessage; decoded: Reading }[] {
    const plan = new FeedPlan({ seed: 21, meters: 5, duplicateShare: 0, malformedShare: 0, providerFormsShare: 1 });
    return take(plan, n).map((m) => {
      if (m.kind === 'malformed') throw new Error('no malformed message was asked for');
      const decoded = decodeReading(m.topic, m.payload);
      if (!decoded.ok) throw new Error(`${m.payload.toString('utf8')}: ${decoded.reason} ${decoded.message}`);
      return { message: m, decoded: decoded.value };
    });
  }
  const feed = formsFeed(4000);
  const firstDelivery = new Map<string, Reading>();
  for (const { message, decoded } of feed) {
    const key = readingKey(message.reading.pk, message.reading.sk);
    if (!firstDelivery.has(key)) firstDelivery.set(key, decoded);
  }
  const text = (m: ReadingMessage) => m.payload.toString('utf8');
  const member = (m: ReadingMessage, name: string) =>
    new RegExp(`"${name}":("[^"]*"|[^,}]*)`).exec(text(m))?.[1] ?? '(none)';

  it.each<[ProviderForm, ReadingMessage['kind'], (m: ReadingMessage) => string, string[]]>([
    // form, how the books enter it, what the payload shows, the spellings that must all appear
    [
      'offset',
      'reading',
      (m) =>
        /([+-]\d\d:?\d\d)"/.exec(member(m, 'data_timestamp_utc') + member(m, 'measurement_end_timestamp_utc'))?.[1] ??
        '',
      ['+01:00', '-05:00', '+0100'],
    ],
    [
      'system-time-fraction',
      'reading',
      (m) => `${/\.(\d+)Z/.exec(member(m, 'system_timestamp_utc'))?.[1]?.length ?? 0} digits`,
      ['6 digits', '9 digits'],
    ],
    ['register-id-form', 'reading', (m) => member(m, 'register_id'), ['2.0', '2e0', '12.0', '1.2e1']],
    ['resend', 'duplicate', (m) => `v${member(m, 'smarteo_payload_schema_version')}`, ['v1']],
    ['other-version', 'duplicate', (m) => `v${member(m, 'smarteo_payload_schema_version')}`, ['v2']],
  ])('publishes %s messages that the core decodes as the reading they stand for', (form, kind, spelling, spellings) => {
    // GIVEN the messages of one form
    const ofForm = feed.filter(({ message }) => message.form === form);
    expect(ofForm.length).toBeGreaterThanOrEqual(20);
    // THEN they show every spelling of the form
    expect([...new Set(ofForm.map(({ message }) => spelling(message)))].sort()).toEqual([...spellings].sort());
    for (const { message, decoded } of ofForm) {
      // AND each is entered as the intended kind and decodes to the identity and value of its plain form
      expect(message.kind).toBe(kind);
      expect([decoded.seriesKey, decoded.readingTime, decoded.value]).toEqual([
        message.reading.pk,
        message.reading.sk,
        message.reading.value,
      ]);
      // AND a later delivery is the same reading as the first: a duplicate, never a conflict
      const first = firstDelivery.get(readingKey(message.reading.pk, message.reading.sk))!;
      expect(judgeDelivery(first, decoded).kind).toBe('duplicate');
    }
  });

  it('re-sends a v1 reading with a new system time and sends register 2 again as v2, both after the first', () => {
    const resends = feed.filter(({ message }) => message.form === 'resend' || message.form === 'other-version');
    for (const { message, decoded } of resends) {
      const first = firstDelivery.get(readingKey(message.reading.pk, message.reading.sk))!;
      expect(first.schemaVersion).toBe(1);
      expect(decoded.registerId).toBe(2);
      const otherFacts = judgeDelivery(first, decoded);
      expect(otherFacts).toEqual({
        kind: 'duplicate',
        otherFacts: message.form === 'resend' ? ['systemTime'] : expect.arrayContaining(['schemaVersion']),
      });
    }
  });

  it('counts every form and the re-sends in the books', () => {
    const books = new FeedBooks();
    for (const { message } of feed) books.record(message);
    const s = books.summary();
    expect(Object.keys(s.providerForms).sort()).toEqual([...PROVIDER_FORMS].sort());
    expect(s.resendsPublished).toBe((s.providerForms.resend ?? 0) + (s.providerForms['other-version'] ?? 0));
    expect(s.duplicatesPublished).toBe(s.resendsPublished);
    expect(s.unique + s.duplicatesPublished).toBe(feed.length);
  });
});

describe('the topics the feed needs', () => {
  it.each([
    ['meters/outbound/demo/#', 'meters/outbound/demo/sub-1/m-00001/extra', true],
    ['meters/outbound/demo/#', 'meters/outbound/demo/sub-1', true],
    ['meters/outbound/demo/+/+', 'meters/outbound/demo/sub-1/m-00001', true],
    ['meters/outbound/demo/+/+', 'meters/outbound/demo/sub-1/m-00001/extra', false],
    ['meters/outbound/demo/+/+', 'meters/outbound/demo//m-00001', true],
    ['meters/outbound/other/#', 'meters/outbound/demo/sub-1/m-00001', false],
  ])('filter %s matches %s: %s', (filter, topic, matches) => {
    expect(filterMatches(filter, topic)).toBe(matches);
  });

  it('names one topic of each shape the feed publishes on, malformed ones included', () => {
    // GIVEN a long feed
    const options = { customerId: 'demo', subscriptionId: 'sub-1', malformedShare: 0.5 };
    const shapes = feedTopicShapes(options);
    const shapeOf = (t: string) => t.replace(/m-\d{5}/, 'M');
    // THEN every topic it publishes on has one of the shapes
    const published = new Set(take(new FeedPlan({ ...options, seed: 2 }), 3000).map((m) => shapeOf(m.topic)));
    expect([...published].sort()).toEqual([...new Set(shapes.map(shapeOf))].sort());
  });
});
