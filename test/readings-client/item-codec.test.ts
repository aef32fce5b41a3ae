import type { AttributeValue } from 'aws-lambda';
import { ItemShapeError } from '../../readings-client/errors';
import {
  isSeriesRegistryItem,
  readingFromItem,
  seriesEntryFromItem,
  type ItemLike,
} from '../../readings-client/item-codec';

/** A readings item as the ingest function writes it (see functions/ingest/reading-store.ts). */
const ITEM: ItemLike = {
  pk: { S: 'c/m-1/2' },
  sk: { S: '2026-01-01T00:00:00.000Z' },
  value: { N: '123.456' },
  customerId: { S: 'c' },
  subscriptionId: { S: 's' },
  meterId: { S: 'm-1' },
  registerId: { N: '2' },
  schemaVersion: { N: '1' },
  systemTime: { S: '2026-01-01T00:00:05.000Z' },
  extraFields: { S: '{"firmware":"1.2"}' },
  receivedAt: { S: '2026-01-01T00:00:06.000Z' },
  ingestedAt: { S: '2026-01-01T00:00:07.000Z' },
  topic: { S: 'meters/outbound/c/s/m-1' },
  shardId: { S: 'shardId-000000000000' },
  sequenceNumber: { S: '4960' },
};

describe('readingFromItem', () => {
  it('decodes a readings item into a typed reading', () => {
    expect(readingFromItem(ITEM)).toEqual({
      seriesKey: 'c/m-1/2',
      customerId: 'c',
      meterId: 'm-1',
      registerId: 2,
      subscriptionId: 's',
      schemaVersion: 1,
      knownSchemaVersion: true,
      value: '123.456',
      readingTime: '2026-01-01T00:00:00.000Z',
      systemTime: '2026-01-01T00:00:05.000Z',
      extraFields: '{"firmware":"1.2"}',
      receivedAt: '2026-01-01T00:00:06.000Z',
      ingestedAt: '2026-01-01T00:00:07.000Z',
      source: { topic: 'meters/outbound/c/s/m-1', shardId: 'shardId-000000000000', sequenceNumber: '4960' },
    });
  });

  it('reads an item written from a newer schema version, reports the version and ignores what it does not know', () => {
    // GIVEN an item a newer pipeline wrote from a v3 payload, with attributes this client has never heard of
    const newer: ItemLike = {
      ...ITEM,
      schemaVersion: { N: '3' },
      systemTime: undefined,
      quality: { S: 'estimated' },
      unitCode: { N: '7' },
      replay: { M: { at: { S: '2026-02-01T00:00:00.000Z' } } } as unknown as ItemLike[string],
    };
    // WHEN it is read THEN it is a reading of version 3, flagged unknown, without the unknown attributes
    expect(readingFromItem(newer)).toEqual({
      ...readingFromItem(ITEM),
      schemaVersion: 3,
      knownSchemaVersion: false,
      systemTime: undefined,
    });
    expect(readingFromItem(newer)).not.toHaveProperty('systemTime');
    expect(readingFromItem(newer)).not.toHaveProperty('quality');
  });

  it("decodes a stream image (aws-lambda's AttributeValue) alike", () => {
    const image: Record<string, AttributeValue> = { ...(ITEM as Record<string, AttributeValue>) };
    expect(readingFromItem(image).value).toBe('123.456');
  });

  it.each([
    ['1500000000000000000000000000000000000000000000', '1.5E+45'],
    ['123.4560', '123.456'],
    ['12345678901234567890.123456789012345678', '12345678901234567890.123456789012345678'],
  ])("returns the value %s in core's canonical text %s", (n, text) => {
    expect(readingFromItem({ ...ITEM, value: { N: n } }).value).toBe(text);
  });

  it.each([
    ['a series registry item', { pk: { S: 'series#c' }, sk: { S: 'c/m-1/2' } }, 'is a series registry entry'],
    ['an item without value', { ...ITEM, value: undefined }, 'has no number attribute "value"'],
    ['a value as a string', { ...ITEM, value: { S: '1' } }, 'has no number attribute "value"'],
    ['a pk that is no series key', { ...ITEM, pk: { S: 'c/m-1' } }, 'has a pk that is not a series key'],
    ['a schema version that is no positive integer', { ...ITEM, schemaVersion: { N: '0' } }, 'has schemaVersion 0'],
    ['a fractional schema version', { ...ITEM, schemaVersion: { N: '2.5' } }, 'has schemaVersion 2.5'],
    ['no schema version', { ...ITEM, schemaVersion: undefined }, 'has no number attribute "schemaVersion"'],
  ])('fails on %s', (_name, item, message) => {
    expect(() => readingFromItem(item as ItemLike)).toThrow(ItemShapeError);
    expect(() => readingFromItem(item as ItemLike)).toThrow(message);
  });
});

describe('series registry items', () => {
  const REGISTRY: ItemLike = {
    pk: { S: 'series#c' },
    sk: { S: 'c/m-1/12' },
    customerId: { S: 'c' },
    meterId: { S: 'm-1' },
    registerId: { N: '12' },
    firstSeenAt: { S: '2026-01-01T00:00:07.000Z' },
  };

  it('tells a registry item from a reading', () => {
    expect(isSeriesRegistryItem(REGISTRY)).toBe(true);
    expect(isSeriesRegistryItem(ITEM)).toBe(false);
  });

  it('decodes a registry item', () => {
    expect(seriesEntryFromItem(REGISTRY)).toEqual({
      seriesKey: 'c/m-1/12',
      customerId: 'c',
      meterId: 'm-1',
      registerId: 12,
      attributes: { customerId: 'c', meterId: 'm-1', registerId: '12', firstSeenAt: '2026-01-01T00:00:07.000Z' },
    });
  });

  it('fails on a registry item whose sk is no series key', () => {
    expect(() => seriesEntryFromItem({ ...REGISTRY, sk: { S: 'nope' } })).toThrow(ItemShapeError);
  });
});
