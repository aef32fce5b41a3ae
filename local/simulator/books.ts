/**
 * The simulator's books: exactly what reached the broker (a message is entered once the broker acknowledged it), so
 * the audit can say what the tables must hold. A reading's first delivery is `unique`; any later delivery of the same
 * identity is a published duplicate. Malformed messages are kept by reason and by a key that the quarantine table's
 * items can be matched with ({@link malformedKey}). A reading in another provider form (an offset, a long system-time
 * fraction, `register_id` as `12.0`) is a reading like any other; a re-send with a new system time or a register 2
 * reading sent again as v2 is a duplicate (the core judges a duplicate by the reading, not its envelope); both are
 * also counted by form.
 */
import { TRUNCATED_PREFIX_BYTES } from '../../core';
import type { ExpectedReading, FeedMessage } from './feed';
import type { MalformedReason } from './malformed';

/** Counts of the books, as the summary reports them. */
export interface BooksSummary {
  /** Messages the broker acknowledged. */
  readonly published: number;
  /** Distinct readings among them. */
  readonly unique: number;
  /** Repeated deliveries of a reading already published. */
  readonly duplicatesPublished: number;
  /**
   * Of the duplicates, the provider's re-sends of a reading with other facts: a new system time (`resend`) or the other
   * schema version (`other-version`). The ingest counts them as duplicates too.
   */
  readonly resendsPublished: number;
  /** Messages published in another provider form, by form (see `PROVIDER_FORMS` in `feed.ts`). */
  readonly providerForms: Readonly<Record<string, number>>;
  /** Malformed messages, in total and by rejection reason. */
  readonly malformed: { readonly total: number; readonly byReason: Readonly<Record<string, number>> };
}

/** The key of a reading identity in the books: `pk` and `sk`. */
export function readingKey(pk: string, sk: string): string {
  return `${pk}\u0000${sk}`;
}

/**
 * The key that matches a malformed message with its quarantine item: the topic and the first bytes of the payload
 * (the stream carries only a prefix of a `too-large` payload; each malformed message's prefix is unique).
 */
export function malformedKey(topic: string, payload: Uint8Array): string {
  const prefix = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, TRUNCATED_PREFIX_BYTES));
  return `${topic}\u0000${prefix.toString('base64')}`;
}

/** The simulator's books. */
export class FeedBooks {
  private readonly readings = new Map<string, ExpectedReading>();
  private readonly malformedByKey = new Map<string, MalformedReason>();
  private readonly byReason: Record<string, number> = {};
  private published = 0;
  private duplicates = 0;
  private resends = 0;
  private readonly byForm: Record<string, number> = {};
  private malformedTotal = 0;

  /** Enters a message the broker acknowledged. */
  record(message: FeedMessage): void {
    this.published++;
    if (message.kind === 'malformed') {
      this.malformedTotal++;
      this.byReason[message.reason] = (this.byReason[message.reason] ?? 0) + 1;
      this.malformedByKey.set(malformedKey(message.topic, message.payload), message.reason);
      return;
    }
    if (message.form !== undefined) this.byForm[message.form] = (this.byForm[message.form] ?? 0) + 1;
    const key = readingKey(message.reading.pk, message.reading.sk);
    if (this.readings.has(key)) {
      this.duplicates++;
      if (message.form === 'resend' || message.form === 'other-version') this.resends++;
    } else this.readings.set(key, message.reading);
  }

  /** The counts. */
  summary(): BooksSummary {
    return {
      published: this.published,
      unique: this.readings.size,
      duplicatesPublished: this.duplicates,
      resendsPublished: this.resends,
      providerForms: { ...this.byForm },
      malformed: { total: this.malformedTotal, byReason: { ...this.byReason } },
    };
  }

  /** Every distinct reading published, by {@link readingKey}. */
  expectedReadings(): ReadonlyMap<string, ExpectedReading> {
    return this.readings;
  }

  /** Every malformed message published, by {@link malformedKey}, with its reason. */
  expectedMalformed(): ReadonlyMap<string, MalformedReason> {
    return this.malformedByKey;
  }
}
