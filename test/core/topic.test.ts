import { MAX_TOPIC_BYTES, parseTopic, validateSubscriptionFilter } from '../../core';

describe('parseTopic', () => {
  it.each([
    ['meters/outbound/cust-1/sub-1/meter-1', { customerId: 'cust-1', subscriptionId: 'sub-1', meterId: 'meter-1' }],
    ['meters/outbound/Ü/s/m', { customerId: 'Ü', subscriptionId: 's', meterId: 'm' }],
    ['meters/outbound/a b/s/m', { customerId: 'a b', subscriptionId: 's', meterId: 'm' }],
  ])('parses %j', (topic, parts) => {
    // GIVEN a topic in the provider's shape WHEN parsed THEN its three ids come out
    expect(parseTopic(topic)).toEqual({ ok: true, value: parts });
  });

  it.each([
    ['a missing level', 'meters/outbound/c/s', /5 levels/],
    ['an extra level', 'meters/outbound/c/s/m/x', /5 levels/],
    ['an empty customer level', 'meters/outbound//s/m', /empty customer-id/],
    ['an empty meter level', 'meters/outbound/c/s/', /empty meter-id/],
    ['another root', 'meters/inbound/c/s/m', /must start with/],
    ['a leading slash', '/meters/outbound/c/s/m', /must start with/],
    ['a + wildcard', 'meters/outbound/+/s/m', /wildcard/],
    ['a # wildcard', 'meters/outbound/c/s/#', /wildcard/],
    ['a control character', 'meters/outbound/c/s/m\u0000', /control character/],
    ['a C1 control character', 'meters/outbound/c/s\u0085/m', /control character/],
    ['an empty topic', '', /must start with/],
    ['a topic over the byte limit', `meters/outbound/c/s/${'é'.repeat(MAX_TOPIC_BYTES)}`, /bytes/],
  ])('fails on %s', (_what, topic, message) => {
    const result = parseTopic(topic);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe('bad-topic');
      expect(result.message).toMatch(message);
    }
  });

  it('accepts a topic of exactly the byte limit', () => {
    const prefix = 'meters/outbound/c/s/';
    const topic = prefix + 'm'.repeat(MAX_TOPIC_BYTES - prefix.length);
    expect(parseTopic(topic).ok).toBe(true);
  });
});

describe('validateSubscriptionFilter', () => {
  it.each([
    'meters/outbound/cust-1/#',
    'meters/outbound/cust-1',
    'meters/outbound/cust-1/+/+',
    'meters/outbound/cust-1/sub-1/#',
    'meters/outbound/cust-1/sub-1/meter-1',
  ])('accepts %j', (filter) => {
    expect(validateSubscriptionFilter(filter)).toEqual({ ok: true, value: { filter, customerId: 'cust-1' } });
  });

  it.each([
    ['the root wildcard', '#', /must start with "meters\/outbound\/<customer-id>".*kicks a client/],
    ['a wildcard at the customer level', 'meters/outbound/#', /must start with|must name a customer/],
    ['+ at the customer level', 'meters/outbound/+/#', /must name a customer.*kicks a client/],
    ['another root', 'meters/#', /must start with/],
    ['an empty filter', '', /empty/],
    ['# before the last level', 'meters/outbound/c/#/m', /wildcard wrongly/],
    ['a partial-level wildcard', 'meters/outbound/c/s+/m', /wildcard wrongly/],
    ['too many levels', 'meters/outbound/c/s/m/x', /levels/],
    ['an empty level', 'meters/outbound/c//m', /empty level/],
  ])('fails on %s', (_what, filter, message) => {
    const result = validateSubscriptionFilter(filter);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it('fails with a message that names the filter', () => {
    const result = validateSubscriptionFilter('#');
    expect(!result.ok && result.message).toContain('"#"');
  });
});
