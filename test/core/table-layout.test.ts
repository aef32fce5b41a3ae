/** The table layout's spread keys: the series registry over fixed suffixes (core/table-layout.ts). */
import { SERIES_REGISTRY_SUFFIXES, seriesRegistryKey, seriesRegistryKeys, spreadHash } from '../../core';

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
