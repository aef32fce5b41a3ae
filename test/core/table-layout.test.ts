/** The table layout's spread keys: the series registry and the quarantine index over fixed suffixes (core/table-layout.ts). */
import {
  QUARANTINE_REASON_SUFFIXES,
  quarantineReasonShard,
  quarantineReasonShards,
  SERIES_REGISTRY_SUFFIXES,
  seriesRegistryKey,
  seriesRegistryKeys,
  spreadHash,
} from '../../core';

describe('series registry keys', () => {
  it.each([
    ['c1', 'c1/m1/2'],
    ['c1', 'c1/m1/12'],
    ['customer-with-dashes', 'customer-with-dashes/meter-0001/2'],
    ['ü', 'ü/m/2'],
  ])('keys %s %s as series#<customer>#<n> with n below the suffix count, the same every time', (customer, series) => {
    const key = seriesRegistryKey(customer, series);
    const match = /^series#(.+)#(\d+)$/.exec(key);
    expect(match?.[1]).toBe(customer);
    expect(Number(match?.[2])).toBeLessThan(SERIES_REGISTRY_SUFFIXES);
    expect(seriesRegistryKey(customer, series)).toBe(key);
    expect(seriesRegistryKeys(customer)).toContain(key);
  });

  it('uses 16 suffixes, and lists the old unsuffixed key last for items written before the spread', () => {
    expect(SERIES_REGISTRY_SUFFIXES).toBe(16);
    const keys = seriesRegistryKeys('c1');
    expect(keys).toHaveLength(17);
    expect(keys.at(-1)).toBe('series#c1');
    expect(new Set(keys).size).toBe(17);
  });

  it('spreads 100,000 meters of one customer evenly: no key holds more than 1.1 times its share', () => {
    const counts = new Array<number>(SERIES_REGISTRY_SUFFIXES).fill(0);
    for (let m = 0; m < 100_000; m++) {
      const key = seriesRegistryKey('big', `big/m-${m}/2`);
      const n = Number(key.slice(key.lastIndexOf('#') + 1));
      counts[n]! += 1;
    }
    const share = 100_000 / SERIES_REGISTRY_SUFFIXES;
    expect(Math.max(...counts)).toBeLessThan(1.1 * share);
    expect(Math.min(...counts)).toBeGreaterThan(0.9 * share);
  });

  it('hashes with FNV-1a (a fixed function: changing it would move every series)', () => {
    expect(spreadHash('')).toBe(0x811c9dc5);
    expect(spreadHash('a')).toBe(0xe40c292c);
  });
});

describe('quarantine reason shards', () => {
  it.each([
    ['unsupported-version', 'shardId-000000000000/49590338271490256608559692538361571095921575989136588898'],
    ['bad-envelope', 'shardId-000000000003/1'],
    ['conflict', 'shardId-000000000000/2'],
    ['missing-field', 'unknown-shard/ü'],
  ])('keys %s item %s as <reason>#<n> with n below the suffix count, the same every time', (reason, pk) => {
    const shard = quarantineReasonShard(reason, pk);
    const match = /^(.+)#(\d+)$/.exec(shard);
    expect(match?.[1]).toBe(reason);
    expect(Number(match?.[2])).toBeLessThan(QUARANTINE_REASON_SUFFIXES);
    expect(quarantineReasonShard(reason, pk)).toBe(shard);
    expect(quarantineReasonShards(reason)).toContain(shard);
  });

  it('lists 16 distinct shards of a reason, each with the reason as prefix', () => {
    expect(QUARANTINE_REASON_SUFFIXES).toBe(16);
    const shards = quarantineReasonShards('bad-value');
    expect(shards).toHaveLength(16);
    expect(new Set(shards).size).toBe(16);
    for (const s of shards) expect(s.startsWith('bad-value#')).toBe(true);
  });

  it('spreads 100,000 records of one reason from one Kinesis shard evenly: no key holds more than 1.1 times its share', () => {
    // GIVEN consecutive sequence numbers of one shard, as a provider format change produces them
    const counts = new Array<number>(QUARANTINE_REASON_SUFFIXES).fill(0);
    const base = 49590338271490256608559692538361571095921575989136588898n;
    for (let i = 0n; i < 100_000n; i++) {
      const shard = quarantineReasonShard('unsupported-version', `shardId-000000000000/${base + i * 7n}`);
      counts[Number(shard.slice(shard.lastIndexOf('#') + 1))]! += 1;
    }
    // THEN every one of the 16 keys takes close to a sixteenth
    const share = 100_000 / QUARANTINE_REASON_SUFFIXES;
    expect(Math.max(...counts)).toBeLessThan(1.1 * share);
    expect(Math.min(...counts)).toBeGreaterThan(0.9 * share);
  });
});
