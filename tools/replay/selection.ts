/**
 * Which records of a source a replay takes: by customer, meter, series or topic filter. A record whose topic or
 * payload does not parse is taken only when no filter needs what did not parse (a customer or topic filter reads the
 * topic; a series filter decodes the payload).
 */
import { decodeReading, parseSeriesKey, parseTopic } from '../../core';
import type { ReplayItem } from './replay-item';
import { topicMatches } from './topic-filter';

/** The filters; each given one must hold. */
export interface Selection {
  readonly customer?: string;
  /** `<customer-id>/<meter-id>`: the partition key. */
  readonly meter?: string;
  /** `<customer-id>/<meter-id>/<register-id>`: a readings table `pk`. */
  readonly series?: string;
  /** An MQTT topic filter (`+`, `#`). */
  readonly topic?: string;
}

/** A filter that cannot be right, named with what was given and what is allowed. */
export class SelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectionError';
  }
}

/** Checks the filters' forms. */
export function checkSelection(s: Selection): Selection {
  if (s.meter !== undefined && !/^[^/]+\/[^/]+$/.test(s.meter)) {
    throw new SelectionError(`--meter must be <customer-id>/<meter-id>, got ${JSON.stringify(s.meter)}`);
  }
  if (s.series !== undefined && !parseSeriesKey(s.series)) {
    throw new SelectionError(
      `--series must be <customer-id>/<meter-id>/<register-id>, got ${JSON.stringify(s.series)}`,
    );
  }
  if (s.topic !== undefined && (s.topic === '' || /#./.test(s.topic))) {
    throw new SelectionError(`--topic must be an MQTT topic filter ('#' only last), got ${JSON.stringify(s.topic)}`);
  }
  return s;
}

/** True when the item is selected. */
export function isSelected(s: Selection, item: ReplayItem): boolean {
  if (s.customer === undefined && s.meter === undefined && s.series === undefined && s.topic === undefined) return true;
  const record = item.record;
  if (!record) return false;
  if (s.topic !== undefined && !topicMatches(s.topic, record.topic)) return false;
  if (s.customer !== undefined || s.meter !== undefined) {
    const parts = parseTopic(record.topic);
    if (!parts.ok) return false;
    if (s.customer !== undefined && parts.value.customerId !== s.customer) return false;
    if (s.meter !== undefined && `${parts.value.customerId}/${parts.value.meterId}` !== s.meter) return false;
  }
  if (s.series !== undefined) {
    const reading = decodeReading(record.topic, record.payload);
    if (!reading.ok || reading.value.seriesKey !== s.series) return false;
  }
  return true;
}
