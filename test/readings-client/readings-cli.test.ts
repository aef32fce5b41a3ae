/**
 * The readings CLI's command line: help, wrong input (one line, exit 2), and its formatting helpers. The commands on
 * real data are tested in the integration suites.
 */
import { spawnSync } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { formatDuration, formatTable, main, USAGE } from '../../tools/readings-cli';

async function run(argv: string[], env: NodeJS.ProcessEnv = { READINGS_TABLE_NAME: 'r', QUARANTINE_TABLE_NAME: 'q' }) {
  let stdout = '';
  let stderr = '';
  let clients = 0;
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    createClient: () => {
      clients++;
      throw new Error('no DynamoDB request expected');
    },
  });
  return { code, stdout, stderr, clients };
}

describe('readings CLI', () => {
  it.each([['--help'], ['-h'], ['help'], []])('prints the usage for %p', async (...argv) => {
    const { code, stdout, stderr } = await run(argv.filter((a): a is string => a !== undefined));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(USAGE);
  });

  it('names every command and option in the usage', () => {
    for (const word of [
      'series',
      'get',
      'latest',
      'gaps',
      'quarantine list',
      'npm run replay -- quarantine',
      '--json',
      '--endpoint',
      '--readings-table',
      '--quarantine-table',
      '--from',
      '--to',
      '--reason',
    ]) {
      expect(USAGE).toContain(word);
    }
  });

  it.each([
    [['get', 'c/m/2', '--bogus'], "readings: Unknown option '--bogus' (see --help)"],
    [['get', 'c/m/2', '--from'], "readings: Option '--from <value>' argument missing (see --help)"],
    [
      ['frobnicate'],
      'readings: unknown command "frobnicate"; commands: series, get, latest, gaps, quarantine (see --help)',
    ],
    [['quarantine', 'purge'], 'readings: quarantine needs list, got "purge" (see --help)'],
    [
      ['quarantine', 'replay'],
      'readings: quarantine replay moved to the stream: npm run replay -- quarantine --quarantine-table <name> [--reason R] --stream <StreamName> (see --help)',
    ],
    [['get'], 'readings: get takes <series>, got none (see --help)'],
    [['latest', 'a/b/2', 'extra'], 'readings: latest takes <series>, got ["a/b/2","extra"] (see --help)'],
    [['get', 'c/m/2', '--reason', 'not-json'], 'readings: --reason does not apply to get (see --help)'],
    [
      ['get', 'c/m'],
      'readings: series must be <customer-id>/<meter-id>/<register-id> (register a positive integer), got "c/m" (see --help)',
    ],
    [
      ['get', 'c/m/2', '--from', 'yesterday'],
      'readings: from must be an ISO 8601 UTC time (2026-01-31T12:00:00Z) or a day (2026-01-31), got "yesterday" (see --help)',
    ],
    [
      ['get', 'c/m/2', '--from', '2026-02-01', '--to', '2026-01-01'],
      'readings: from (2026-02-01T00:00:00.000Z) must not be after to (2026-01-01T00:00:00.000Z) (see --help)',
    ],
    [
      ['quarantine', 'list', '--reason', 'bogus'],
      'readings: reason must be one of bad-envelope, bad-topic, too-large, not-utf8, not-json, not-object, duplicate-key, unsupported-version, missing-field, bad-timestamp, bad-register, bad-value, bad-interval, conflict; got "bogus" (see --help)',
    ],
    [
      ['get', 'c/m/2', '--endpoint', 'localhost:8000'],
      'readings: --endpoint must be an http or https URL, got "localhost:8000" (see --help)',
    ],
    [
      ['get', 'c/m/2', '--page-size', '0'],
      'readings: --page-size must be a whole number from 1 to 999999, got "0" (see --help)',
    ],
  ])('fails on wrong input %p with one line and exit 2', async (argv, line) => {
    // WHEN
    const { code, stdout, stderr } = await run(argv);
    // THEN
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
  });

  it('fails with exit 2 when no table is named', async () => {
    const { code, stderr } = await run(['latest', 'c/m/2'], {});
    expect(code).toBe(2);
    expect(stderr).toBe(
      'readings: no readings table: pass --readings-table or set READINGS_TABLE_NAME (the stack output ReadingsTableName) (see --help)\n',
    );
  });

  it('fails with exit 1 and one line when DynamoDB cannot be reached', async () => {
    // GIVEN nothing listens on the endpoint
    let stderr = '';
    const code = await main(['latest', 'c/m/2', '--endpoint', 'http://127.0.0.1:1', '--readings-table', 'r'], {
      stdout: () => undefined,
      stderr: (t) => (stderr += t),
      env: {},
      createClient: (settings) =>
        new DynamoDBClient({ ...settings, maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    });
    // THEN
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /^readings: \w+: .*ECONNREFUSED.*: cannot reach DynamoDB at http:\/\/127\.0\.0\.1:1 \(is npm start running, on that port\?\)\n$/,
    );
  });

  it('exits 2 with one line from the real entry point on a wrong flag', () => {
    // WHEN run as `npm run readings` runs it
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/readings-cli.ts', 'get', 'c/m/2', '--bogus'],
      {
        cwd: `${__dirname}/../..`,
        encoding: 'utf8',
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    // THEN
    expect(result.stderr).toBe("readings: Unknown option '--bogus' (see --help)\n");
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  });

  it('prints the usage from the real entry point', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'tools/readings-cli.ts', '--help'], {
      cwd: `${__dirname}/../..`,
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(USAGE);
  });

  it.each([
    [250, '250ms'],
    [1500, '1.5s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [900_000, '15m'],
    [86_400_000, '1d'],
  ])('formats %i ms as %s', (millis, text) => {
    expect(formatDuration(millis)).toBe(text);
  });

  it('aligns table columns, numbers to the right', () => {
    expect(
      formatTable(
        ['A', 'NUMBER'],
        [
          ['x', '1.5'],
          ['long', '123.456'],
        ],
        [1],
      ),
    ).toBe('A      NUMBER\nx         1.5\nlong  123.456\n');
  });
});
