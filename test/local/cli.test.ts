import { feedFromFlags, parseFlags, FEED_FLAGS, UsageError } from '../../local/cli/flags';
import { progressBar, renderBlock, renderLine, BlockWriter, type StatusSnapshot } from '../../local/status-view';

const parse = (argv: string[]) => feedFromFlags(parseFlags(argv, { ...FEED_FLAGS, count: { type: 'string' } }));

describe('the feed flags', () => {
  it('reads every feed flag', () => {
    expect(
      parse([
        '--seed',
        '42',
        '--meters',
        '3',
        '--registers',
        '2,1,12',
        '--cadence',
        '900',
        '--duplicates',
        '0.5',
        '--malformed',
        '0',
        '--customer',
        'acme',
        '--subscription',
        's9',
        '--start-time',
        '2026-03-01T00:00:00Z',
        '--provider-forms',
        '0.25',
      ]),
    ).toEqual({
      seed: 42,
      meters: 3,
      registers: [2, 1, 12],
      cadenceSeconds: 900,
      duplicateShare: 0.5,
      malformedShare: 0,
      customerId: 'acme',
      subscriptionId: 's9',
      startTime: '2026-03-01T00:00:00.000Z',
      providerFormsShare: 0.25,
    });
  });

  it('turns the provider forms on for a local run unless told otherwise', () => {
    expect(parse([]).providerFormsShare).toBe(0.05);
    expect(parse(['--provider-forms', '0']).providerFormsShare).toBe(0);
  });

  it.each([
    [['--meters', '0'], '--meters must be an integer from 1 to 1000000, got "0"'],
    [['--duplicates', '1.5'], '--duplicates must be a number from 0 to 1, got "1.5"'],
    [['--provider-forms', '2'], '--provider-forms must be a number from 0 to 1, got "2"'],
    [['--registers', '2,x'], '--registers must be distinct positive integers separated by commas, got "2,x"'],
    [['--customer', 'a/b'], `--customer must be letters, digits, '_', '.', '-', got "a/b"`],
    [['--start-time', 'yesterday'], '--start-time must be ISO 8601 UTC like 2026-01-01T00:00:00.000Z, got "yesterday"'],
    [['--nope'], "Unknown option '--nope'"],
    [['--seed'], "Option '--seed <value>' argument missing"],
  ])('fails on %j with one clear line', (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });
});

const snapshot: StatusSnapshot = {
  elapsedMillis: 12_500,
  published: 1250,
  received: 1250,
  written: 1249,
  pending: 1,
  stored: 1100,
  duplicates: 60,
  conflicts: 0,
  quarantined: 25,
  quarantinedByReason: { 'not-json': 20, 'bad-topic': 5 },
  streamBacklog: 64,
  millisBehindLatest: 120,
  count: 2000,
  phase: 'running',
};

describe('the live status', () => {
  it('draws a progress bar of settled messages when a count is given', () => {
    expect(progressBar(1185, 2000, 10)).toBe('[######....]  59%');
    expect(renderBlock(snapshot)[0]).toContain('59% of 2,000 messages');
  });

  it('shows every count, the reasons and the lag', () => {
    const text = renderBlock(snapshot).join('\n');
    for (const part of [
      'published          1,250',
      'written to Kinesis 1,249',
      'readings stored    1,100',
      'duplicates         60',
      'bad-topic 5, not-json 20',
      '64 records on the stream, 120 ms behind',
    ]) {
      expect(text).toContain(part);
    }
    expect(renderLine(snapshot)).toBe(
      '[12.5s] running 59%: published 1250, received 1250, written 1249, stored 1100, duplicates 60, conflicts 0, quarantined 25, lag 64 records / 120 ms',
    );
  });

  it('redraws the block in place', () => {
    const written: string[] = [];
    const block = new BlockWriter((t) => written.push(t));
    block.draw(['a', 'b']);
    block.draw(['c']);
    expect(written).toEqual(['a\nb\n', '\x1b[2F\x1b[0Jc\n']);
    block.above('log line');
    expect(written[2]).toBe('\x1b[1F\x1b[0Jlog line\nc\n');
  });
});
