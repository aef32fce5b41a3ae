import { decodeReading, judgeDelivery, TRUNCATED_PREFIX_BYTES, type Reading } from '../../core';
import { audit, type AuditInput, type TableContents } from '../../local/audit';
import { FeedBooks } from '../../local/simulator/books';
import { FeedPlan } from '../../local/simulator/feed';

/** The books of 400 messages and the tables a correct pipeline leaves behind. */
function correctRun(): { books: FeedBooks; tables: TableContents; input: AuditInput } {
  const plan = new FeedPlan({ seed: 9, duplicateShare: 0.1, malformedShare: 0.1 });
  const books = new FeedBooks();
  const readings: { pk: string; sk: string; value: string }[] = [];
  const quarantine: { reason: string; topic: string; payload: Uint8Array }[] = [];
  for (let i = 0; i < 400; i++) {
    const m = plan.next();
    books.record(m);
    if (m.kind === 'reading') readings.push({ ...m.reading });
    if (m.kind === 'malformed') {
      // the stream carries only a prefix of a too-large payload
      const payload = m.reason === 'too-large' ? m.payload.subarray(0, 4096) : m.payload;
      quarantine.push({ reason: m.reason, topic: m.topic, payload });
    }
  }
  const s = books.summary();
  const tables = { readings, quarantine };
  return {
    books,
    tables,
    input: {
      books,
      tables,
      poller: { recordsProcessed: s.published, recordsSkipped: 0, onFailure: 0 },
      bridge: { received: s.published, written: s.published },
      ingest: { stored: s.unique, duplicates: s.duplicatesPublished, conflicts: 0, quarantined: s.malformed.total },
    },
  };
}

describe('the audit of the books', () => {
  it('balances a run where every reading is stored once and every malformed message quarantined', () => {
    const { input } = correctRun();
    const result = audit(input);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.balanced).toBe(true);
    expect(result.stored).toBe(result.unique);
    expect(result.quarantined.byReason).toEqual(result.malformed.byReason);
  });

  it('fails when one reading is missing', () => {
    const { input, tables } = correctRun();
    const result = audit({ ...input, tables: { ...tables, readings: tables.readings.slice(1) } });
    expect(result.balanced).toBe(false);
    expect(result.missing).toBe(1);
  });

  it('fails when a reading is stored with another value', () => {
    const { input, tables } = correctRun();
    const [first, ...rest] = tables.readings;
    const result = audit({ ...input, tables: { ...tables, readings: [{ ...first!, value: '-1' }, ...rest] } });
    expect(result.balanced).toBe(false);
    expect(result.wrongValues).toBe(1);
  });

  it('fails when a malformed message is quarantined with another reason', () => {
    const { input, tables } = correctRun();
    const [first, ...rest] = tables.quarantine;
    const other = first!.reason === 'not-json' ? 'bad-value' : 'not-json';
    const result = audit({ ...input, tables: { ...tables, quarantine: [{ ...first!, reason: other }, ...rest] } });
    expect(result.balanced).toBe(false);
    expect(result.unexpectedQuarantine).toBe(1);
  });

  it('fails when a conflict is recorded, since the simulator sends none', () => {
    const { input, tables } = correctRun();
    const conflict = { reason: 'conflict', topic: 't', payload: new Uint8Array() };
    const result = audit({ ...input, tables: { ...tables, quarantine: [...tables.quarantine, conflict] } });
    expect(result.balanced).toBe(false);
    expect(result.conflicts).toBe(1);
  });

  it('fails when a duplicate delivery was lost, even though every reading is stored', () => {
    const { input } = correctRun();
    const processed = input.poller!.recordsProcessed - 1;
    const result = audit({
      ...input,
      poller: { ...input.poller!, recordsProcessed: processed },
      ingest: { ...input.ingest!, duplicates: input.ingest!.duplicates - 1 },
    });
    expect(result.balanced).toBe(false);
  });

  it('fails on a redelivery in a clean run and accepts it when redeliveries are allowed', () => {
    const { input } = correctRun();
    const redelivered = {
      ...input,
      poller: { ...input.poller!, recordsProcessed: input.poller!.recordsProcessed + 1 },
      bridge: { received: input.bridge!.received + 1, written: input.bridge!.written + 1 },
      ingest: { ...input.ingest!, duplicates: input.ingest!.duplicates + 1 },
    };
    expect(audit(redelivered).balanced).toBe(false);
    const allowed = audit({ ...redelivered, allowRedeliveries: true });
    expect(allowed.balanced).toBe(true);
    expect(allowed.redeliveries).toBe(1);
  });

  it('fails when the poller gave up on a batch', () => {
    const { input } = correctRun();
    expect(audit({ ...input, poller: { ...input.poller!, onFailure: 1, recordsSkipped: 3 } }).balanced).toBe(false);
  });
  it.each([
    { archived: 0, allowRedeliveries: false, ok: true, why: 'every record archived' },
    { archived: -1, allowRedeliveries: false, ok: false, why: 'one record missing from the archive' },
    { archived: 1, allowRedeliveries: false, ok: false, why: 'a record archived that no one published' },
    { archived: 1, allowRedeliveries: true, ok: false, why: 'more archived than the ingest processed' },
  ])('checks archived == published: $why', ({ archived, allowRedeliveries, ok }) => {
    const { input } = correctRun();
    const records = input.poller!.recordsProcessed + archived;
    const result = audit({ ...input, archive: { records }, allowRedeliveries });
    expect(result.checks.find((c) => c.name === 'archived == published')).toMatchObject({ ok });
    expect(result.archived).toBe(records);
  });
});

/**
 * The books of a feed in every provider form and the tables that the core's decoder and duplicate judgement leave
 * behind (the ingest's rules, in memory): what is stored and quarantined is decided by the core, not copied from the
 * books.
 */
function decodedRun(providerFormsShare: number): AuditInput {
  const plan = new FeedPlan({ seed: 4, duplicateShare: 0.1, malformedShare: 0.05, providerFormsShare });
  const books = new FeedBooks();
  const stored = new Map<string, Reading>();
  const quarantine: { reason: string; topic: string; payload: Uint8Array }[] = [];
  let duplicates = 0;
  for (let i = 0; i < 3000; i++) {
    const m = plan.next();
    books.record(m);
    const decoded = decodeReading(m.topic, m.payload);
    if (!decoded.ok) {
      quarantine.push({
        reason: decoded.reason,
        topic: m.topic,
        payload: m.payload.subarray(0, TRUNCATED_PREFIX_BYTES),
      });
      continue;
    }
    const key = `${decoded.value.seriesKey} ${decoded.value.readingTime}`;
    const first = stored.get(key);
    if (first === undefined) stored.set(key, decoded.value);
    else if (judgeDelivery(first, decoded.value).kind === 'duplicate') duplicates++;
    else quarantine.push({ reason: 'conflict', topic: m.topic, payload: m.payload });
  }
  const readings = [...stored.values()].map((r) => ({ pk: r.seriesKey, sk: r.readingTime, value: r.value }));
  const s = books.summary();
  return {
    books,
    tables: { readings, quarantine },
    poller: { recordsProcessed: s.published, recordsSkipped: 0, onFailure: 0 },
    bridge: { received: s.published, written: s.published },
    ingest: { stored: readings.length, duplicates, conflicts: 0, quarantined: quarantine.length },
  };
}

describe('the audit of a feed in the provider forms', () => {
  it('balances: one row per reading, nothing quarantined for the forms, the re-sends counted as duplicates', () => {
    // GIVEN a feed where a quarter of the readings is in another provider form
    const result = audit(decodedRun(0.25));
    // THEN the books balance against what the core made of it
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.balanced).toBe(true);
    expect(result.conflicts).toBe(0);
    expect(result.quarantined.total).toBe(result.malformed.total);
    expect(Object.keys(result.providerForms).sort()).toEqual(
      ['offset', 'other-version', 'register-id-form', 'resend', 'system-time-fraction'].sort(),
    );
    expect(result.resendsPublished).toBeGreaterThan(20);
    expect(result.duplicates).toBe(result.duplicatesPublished);
  });
});

describe('the audit without books (a real feed, no simulator)', () => {
  it('checks only that every processed record is accounted for', () => {
    const { input } = correctRun();
    const { books: _books, ...withoutBooks } = input;
    const result = audit(withoutBooks);
    expect(result.checks.map((c) => c.name)).toEqual(['nothing unaccounted']);
    expect(result.balanced).toBe(true);
    const lost = audit({
      ...withoutBooks,
      poller: { ...withoutBooks.poller!, recordsProcessed: withoutBooks.poller!.recordsProcessed + 1 },
    });
    expect(lost.balanced).toBe(false);
  });
});
