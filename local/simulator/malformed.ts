/**
 * Malformed messages, one builder per rejection reason the core knows that a published message can cause (every
 * reason but `bad-envelope`, which only a broken bridge could write). Each builder makes a few variants of its fault
 * and otherwise a valid message, so the core rejects it with exactly the intended reason.
 *
 * Every malformed message is unique: its first member is `"sim_malformed":<serial>` (or the serial is in its text
 * or topic), so the audit can match each quarantined item to the message that caused it, even for `too-large`
 * messages of which only a prefix travels.
 */
import { MAX_PAYLOAD_BYTES, type RejectionReason } from '../../core';
import { membersToJson, v1Members, v2Members, type Members, type V1Fields, type V2Fields } from './payloads';
import type { Random } from './random';

/** A rejection reason that a published message can cause. */
export type MalformedReason = Exclude<RejectionReason, 'bad-envelope'>;

/** The topic levels and fields a malformed message is made from. */
export interface MalformedContext {
  readonly serial: number;
  readonly customerId: string;
  readonly subscriptionId: string;
  readonly meterId: string;
  readonly v1: V1Fields;
  readonly v2: V2Fields;
  readonly random: Random;
}

/** A malformed message: where it is published and its bytes. */
export interface MalformedMessage {
  readonly topic: string;
  readonly payload: Buffer;
}

/** Size of a `too-large` payload: just over the decoder's limit, so it stays cheap to publish. */
export const TOO_LARGE_PAYLOAD_BYTES = MAX_PAYLOAD_BYTES + 1024;

const text = (s: string) => Buffer.from(s, 'utf8');

function topicOf(c: MalformedContext): string {
  return `meters/outbound/${c.customerId}/${c.subscriptionId}/${c.meterId}`;
}

function tagged(c: MalformedContext, members: Members): Members {
  return [['sim_malformed', String(c.serial)], ...members];
}

/** A valid payload of either version, tagged with the serial, with `edit` applied to its members. */
function validWith(c: MalformedContext, version: 1 | 2, edit: (m: Members) => Members = (m) => m): Buffer {
  const members = version === 1 ? v1Members(c.v1) : v2Members(c.v2);
  return text(membersToJson(tagged(c, edit(members))));
}

function replace(members: Members, name: string, json: string): Members {
  return members.map(([k, v]) => (k === name ? ([k, json] as const) : ([k, v] as const)));
}

const ofReason: { readonly [R in MalformedReason]: (c: MalformedContext) => MalformedMessage } = {
  'bad-topic': (c) => {
    const base = `meters/outbound/${c.customerId}`;
    // Still under the customer's base topic, so the bridge's filter `meters/outbound/<customer>/#` matches it.
    const topic = c.random.pick([
      `${base}/${c.subscriptionId}/${c.meterId}/extra`,
      `${base}//${c.meterId}`,
      `${base}/${c.subscriptionId}`,
      `${base}/${c.subscriptionId}/`,
    ]);
    return { topic, payload: validWith(c, 2) };
  },
  'not-utf8': (c) => {
    const invalid = c.random.pick([
      [0xff, 0xfe],
      [0xc0, 0xaf], // overlong encoding of '/'
      [0xed, 0xa0, 0x80], // a UTF-16 surrogate encoded in UTF-8
      [0x4d, 0xe5, 0x6c], // Latin-1 "Mål"
    ]);
    const head = text(`{"sim_malformed":${c.serial},"note":"`);
    return { topic: topicOf(c), payload: Buffer.concat([head, Buffer.from(invalid), text('"}')]) };
  },
  'not-json': (c) => {
    const valid = validWith(c, 2).toString('utf8');
    const payload = c.random.pick([
      valid.slice(0, valid.length - 7), // cut short
      valid.replace(/"/g, "'"),
      valid.replace(/}$/, ',}'),
      `\ufeff${valid}`, // a byte-order mark is not JSON
      valid.replace(/"value":[^,}]+/, '"value":NaN'),
    ]);
    return { topic: topicOf(c), payload: text(payload) };
  },
  'not-object': (c) => {
    const payload = c.random.pick([
      `[${c.serial},${c.v2.value}]`,
      JSON.stringify(`reading ${c.serial}: ${c.v2.value}`),
      String(c.serial),
      `[${validWith(c, 2).toString('utf8')}]`,
    ]);
    return { topic: topicOf(c), payload: text(payload) };
  },
  'duplicate-key': (c) => {
    const version = c.random.pick([1, 2] as const);
    const payload = validWith(c, version, (m) =>
      c.random.chance(0.5)
        ? [['smarteo_payload_schema_version', version === 1 ? '2' : '1'], ...m]
        : [...m, [version === 1 ? 'meter_reading' : 'value', '-1.5']],
    );
    return { topic: topicOf(c), payload };
  },
  'unsupported-version': (c) => {
    // 1.0 and 2e0 are versions 1 and 2 (judged by value), so they are not here
    const bad = c.random.pick(['3', '0', '"1"', '1.5', '-1', 'true']);
    const version = c.random.pick([1, 2] as const);
    return {
      topic: topicOf(c),
      payload: validWith(c, version, (m) => replace(m, 'smarteo_payload_schema_version', bad)),
    };
  },
  'missing-field': (c) => {
    const version = c.random.pick([1, 2] as const);
    return {
      topic: topicOf(c),
      payload: validWith(c, version, (m) => {
        const victim = c.random.pick(m.map(([k]) => k));
        return c.random.chance(0.25) ? replace(m, victim, 'null') : m.filter(([k]) => k !== victim);
      }),
    };
  },
  'bad-timestamp': (c) => {
    const version = c.random.pick([1, 2] as const);
    const field = version === 1 ? 'data_timestamp_utc' : 'measurement_end_timestamp_utc';
    const good = version === 1 ? c.v1.dataTime : c.v2.end;
    const bad = c.random.pick([
      JSON.stringify(good.replace('T', ' ')),
      JSON.stringify(good.replace('Z', '')), // no zone: a local time names no instant (an offset would be valid)
      JSON.stringify(good.replace('Z', '+24:00')),
      JSON.stringify(good.slice(0, 10)),
      JSON.stringify(good.replace(/-\d\dT/, '-31T').replace(/-\d\d-31T/, '-02-31T')),
      String(Date.parse(good)),
    ]);
    return { topic: topicOf(c), payload: validWith(c, version, (m) => replace(m, field, bad)) };
  },
  'bad-register': (c) => {
    // 2.0 and 2e0 are register 2 (judged by value), and v1 for another register is stored: neither is here
    const bad = c.random.pick(['"2"', '0', '-4', '12.5', '2.5e0', '4294967296', '1e400', '0.0']);
    const version = c.random.pick([1, 2] as const);
    return { topic: topicOf(c), payload: validWith(c, version, (m) => replace(m, 'register_id', bad)) };
  },
  'bad-value': (c) => {
    const version = c.random.pick([1, 2] as const);
    const field = version === 1 ? 'meter_reading' : 'value';
    const bad = c.random.pick(['"12.5"', 'true', '{}', '1'.repeat(39), '1e200', '1e-200']);
    return { topic: topicOf(c), payload: validWith(c, version, (m) => replace(m, field, bad)) };
  },
  'bad-interval': (c) => {
    const end = c.random.chance(0.5) ? c.v2.start : new Date(Date.parse(c.v2.start) - 1000).toISOString();
    return {
      topic: topicOf(c),
      payload: validWith(c, 2, (m) => replace(m, 'measurement_end_timestamp_utc', JSON.stringify(end))),
    };
  },
  'too-large': (c) => {
    const head = validWith(c, 2).toString('utf8').slice(0, -1);
    const filler = 'x'.repeat(TOO_LARGE_PAYLOAD_BYTES - head.length - ',"padding":""}'.length);
    return { topic: topicOf(c), payload: text(`${head},"padding":"${filler}"}`) };
  },
};

/** Every reason the simulator makes, in a fixed order. */
export const MALFORMED_REASONS = Object.keys(ofReason) as readonly MalformedReason[];

/** Builds a malformed message that the core rejects with `reason`. */
export function buildMalformed(reason: MalformedReason, context: MalformedContext): MalformedMessage {
  return ofReason[reason](context);
}
