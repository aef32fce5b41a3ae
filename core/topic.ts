/**
 * The provider's topic rules (see `shared/reference/upstream-mqtt-service.md`, "Topics").
 *
 * Readings arrive on `meters/outbound/<customer-id>/<subscription-id>/<meter-id>`. {@link parseTopic} accepts exactly
 * that shape and rejects, with reason `bad-topic`:
 * - a root other than `meters/outbound`, a missing or extra level, or an empty level;
 * - a wildcard character (`+`, `#`) anywhere: a published topic never holds one;
 * - a control character (U+0000-U+001F, U+007F-U+009F) anywhere;
 * - a lone UTF-16 surrogate (possible only from a forged envelope's `"\ud800"`): MQTT topics are well-formed UTF-8
 *   (MQTT 3.1.1, 1.5.3), and the topic's parts become DynamoDB keys, which must be valid UTF-8;
 * - a topic over {@link MAX_TOPIC_BYTES} bytes of UTF-8. This keeps the series key within DynamoDB's key limits and the
 *   Kinesis partition key within its 256 characters.
 *
 * {@link validateSubscriptionFilter} checks the bridge's configured filters: the provider grants each consumer one
 * customer's base topic and kicks a client that subscribes anywhere else, so a filter must name a customer
 * (`meters/outbound/<customer-id>` optionally followed by more levels or wildcards).
 */
import { accept, quote, reject, type Result } from './rejection';

/** The fixed first two levels of every reading topic. */
export const TOPIC_ROOT = 'meters/outbound';

/** Longest topic accepted, in UTF-8 bytes. */
export const MAX_TOPIC_BYTES = 256;

/** The parts of a reading topic. */
export interface TopicParts {
  readonly customerId: string;
  readonly subscriptionId: string;
  readonly meterId: string;
}

/** The provider's rule, quoted in every refused filter. */
export const PROVIDER_TOPIC_RULE =
  'the provider requires subscriptions to the base topic the consumer was granted, which includes the customer-id, ' +
  'and kicks a client that subscribes to the root with a wildcard';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const LEVEL_NAMES = ['customer-id', 'subscription-id', 'meter-id'] as const;

/** Parses a reading topic into its parts, or rejects it with reason `bad-topic`. */
export function parseTopic(topic: string): Result<TopicParts> {
  if (typeof topic !== 'string') return reject('bad-topic', `topic must be a string, got ${typeof topic}`);
  const bytes = Buffer.byteLength(topic, 'utf8');
  if (bytes > MAX_TOPIC_BYTES) {
    return reject('bad-topic', `topic is ${bytes} bytes, at most ${MAX_TOPIC_BYTES} allowed: ${quote(topic)}`);
  }
  if (CONTROL.test(topic)) return reject('bad-topic', `topic holds a control character: ${quote(topic)}`);
  if (LONE_SURROGATE.test(topic)) return reject('bad-topic', `topic is not well-formed Unicode: ${quote(topic)}`);
  if (/[+#]/.test(topic)) return reject('bad-topic', `topic holds a wildcard character (+ or #): ${quote(topic)}`);
  const levels = topic.split('/');
  if (levels[0] !== 'meters' || levels[1] !== 'outbound') {
    return reject('bad-topic', `topic must start with "${TOPIC_ROOT}/", got ${quote(topic)}`);
  }
  if (levels.length !== 5) {
    return reject(
      'bad-topic',
      `topic must be ${TOPIC_ROOT}/<customer-id>/<subscription-id>/<meter-id> (5 levels), got ${levels.length} levels: ${quote(topic)}`,
    );
  }
  const [customerId, subscriptionId, meterId] = levels.slice(2) as [string, string, string];
  const parts = [customerId, subscriptionId, meterId];
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === '') return reject('bad-topic', `topic has an empty ${LEVEL_NAMES[i]} level: ${quote(topic)}`);
  }
  return accept({ customerId, subscriptionId, meterId });
}

/** The customer a valid subscription filter names. */
export interface SubscriptionFilter {
  readonly filter: string;
  readonly customerId: string;
}

/**
 * Validates one subscription filter for the bridge's configuration. The message of a rejection names the filter, what
 * is wrong and quotes the provider's rule.
 */
export function validateSubscriptionFilter(filter: string): Result<SubscriptionFilter> {
  const bad = (what: string) => reject('bad-topic', `subscription filter ${quote(filter)} ${what}`);
  if (typeof filter !== 'string' || filter.length === 0) return bad('is empty');
  if (Buffer.byteLength(filter, 'utf8') > MAX_TOPIC_BYTES) return bad(`is over ${MAX_TOPIC_BYTES} bytes`);
  if (CONTROL.test(filter)) return bad('holds a control character');
  const levels = filter.split('/');
  const wildcardMisuse = levels.some(
    (l, i) => (l.includes('#') && (l !== '#' || i !== levels.length - 1)) || (l.includes('+') && l !== '+'),
  );
  if (wildcardMisuse) return bad('uses a wildcard wrongly: "+" must fill a whole level, "#" only the last level');
  if (levels[0] !== 'meters' || levels[1] !== 'outbound' || levels.length < 3) {
    return bad(`must start with "${TOPIC_ROOT}/<customer-id>": ${PROVIDER_TOPIC_RULE}`);
  }
  const customerId = levels[2] as string;
  if (customerId === '' || customerId === '+' || customerId === '#') {
    return bad(`must name a customer at the third level, got ${quote(customerId)}: ${PROVIDER_TOPIC_RULE}`);
  }
  if (levels.length > 5) return bad(`has ${levels.length} levels, a reading topic has 5`);
  if (levels.slice(3).some((l) => l === '')) return bad('has an empty level');
  return accept({ filter, customerId });
}
