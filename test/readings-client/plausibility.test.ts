import { checkPlausibility, type PlausibilityInput } from '../../readings-client/plausibility';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const MIN = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MIN).toISOString();
const NOW = at(60);

const acc = (minutes: number, value: string, ingestedMinute = minutes): PlausibilityInput => ({
  seriesKey: 'c/m/2',
  schemaVersion: 1,
  registerId: 2,
  value,
  readingTime: at(minutes),
  ingestedAt: at(ingestedMinute),
});
const interval = (start: number, end: number, registerId = 12): PlausibilityInput => ({
  seriesKey: `c/m/${registerId}`,
  schemaVersion: 2,
  registerId,
  value: '1',
  readingTime: at(end),
  intervalStart: at(start),
  ingestedAt: at(end),
});

describe('checkPlausibility', () => {
  it.each<[string, PlausibilityInput[], { kind: string; readingTime: string; relatedReadingTime?: string }[]]>([
    ['a rising accumulated register: no flag', [acc(0, '100.5'), acc(1, '100.75'), acc(2, '101')], []],
    ['an unchanged accumulated register: no flag', [acc(0, '100.5'), acc(1, '100.50')], []],
    [
      'an accumulated register going backwards',
      [acc(0, '100.5'), acc(1, '100.4'), acc(2, '100.6')],
      [{ kind: 'register-backwards', readingTime: at(1), relatedReadingTime: at(0) }],
    ],
    [
      'going backwards in the 38th digit',
      [acc(0, '1234567890123456789012345678901234567.8'), acc(1, '1234567890123456789012345678901234567.7')],
      [{ kind: 'register-backwards', readingTime: at(1), relatedReadingTime: at(0) }],
    ],
    [
      'register 2 going backwards in v2 (the provider is moving it to v2)',
      [
        { ...interval(0, 1, 2), value: '5' },
        { ...interval(1, 2, 2), value: '3' },
      ],
      [{ kind: 'register-backwards', readingTime: at(2), relatedReadingTime: at(1) }],
    ],
    [
      'register 2 going backwards from a v1 to a v2 reading',
      [acc(0, '100.5'), { ...interval(0, 1, 2), value: '100.4' }],
      [{ kind: 'register-backwards', readingTime: at(1), relatedReadingTime: at(0) }],
    ],
    [
      'register 2 rising across v1 and v2 readings: no flag',
      [acc(0, '100.5'), { ...interval(0, 1, 2), value: '100.6' }, acc(2, '100.7')],
      [],
    ],
    [
      'a v1 reading of another register is no accumulated register: no flag',
      [
        { ...acc(0, '5'), seriesKey: 'c/m/12', registerId: 12 },
        { ...acc(1, '3'), seriesKey: 'c/m/12', registerId: 12 },
      ],
      [],
    ],
    ['a reading time within the tolerance: no flag', [acc(0, '1'), acc(119, '2', 0)], []],
    ['a reading time far in the future', [acc(0, '1'), acc(121, '2', 0)], [{ kind: 'future', readingTime: at(121) }]],
    [
      'a reading time before the first stored reading',
      [acc(10, '5'), acc(11, '6'), acc(-600, '1', 12)],
      [{ kind: 'before-first-reading', readingTime: at(-600) }],
    ],
    ['late readings in reading-time order stored in one batch: no flag', [acc(0, '1', 5), acc(1, '2', 5)], []],
    ['adjacent intervals: no flag', [interval(0, 15), interval(15, 30)], []],
    [
      'an interval overlapping its neighbour',
      [interval(0, 15), interval(10, 25), interval(25, 40)],
      [{ kind: 'overlap', readingTime: at(25), relatedReadingTime: at(15) }],
    ],
  ])('%s', (_name, readings, expected) => {
    // WHEN
    const flags = checkPlausibility(readings, { now: NOW });
    // THEN
    expect(flags).toEqual(expected.map((e) => expect.objectContaining(e)));
  });

  it('uses the first reading time given by the caller', () => {
    // GIVEN the meter's first reading is known to be at minute 5
    const flags = checkPlausibility([acc(0, '1'), acc(10, '2')], { now: NOW, firstReadingTime: at(5) });
    // THEN the reading at minute 0 is flagged
    expect(flags).toEqual([expect.objectContaining({ kind: 'before-first-reading', readingTime: at(0) })]);
  });

  it('says what is wrong in one line', () => {
    const [flag] = checkPlausibility([acc(0, '100.5'), acc(1, '99')], { now: NOW });
    expect(flag?.message).toBe(`c/m/2 at ${at(1)}: accumulated register went backwards from 100.5 (at ${at(0)}) to 99`);
  });

  it('honours a custom future tolerance', () => {
    const flags = checkPlausibility([acc(61, '1')], { now: NOW, futureToleranceMillis: 0 });
    expect(flags.map((f) => f.kind)).toEqual(['future']);
  });
});
