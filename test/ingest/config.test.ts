/** The ingest configuration: read once from the environment, every problem on its own line. */
import { DEFAULT_QUARANTINE_RETENTION_DAYS } from '../../core';
import { loadConfig } from '../../functions/ingest/config';
import { ConfigError } from '../../functions/ingest/errors';

const VALID = { READINGS_TABLE_NAME: 'readings', QUARANTINE_TABLE_NAME: 'quarantine' };

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('reads both table names and defaults the retention to 90 days', () => {
    // GIVEN the two table names WHEN loaded THEN the retention is core's default
    expect(loadConfig(VALID)).toEqual({
      readingsTableName: 'readings',
      quarantineTableName: 'quarantine',
      quarantineRetentionDays: DEFAULT_QUARANTINE_RETENTION_DAYS,
    });
    expect(DEFAULT_QUARANTINE_RETENTION_DAYS).toBe(90);
  });

  it('reads QUARANTINE_RETENTION_DAYS', () => {
    expect(loadConfig({ ...VALID, QUARANTINE_RETENTION_DAYS: '14' }).quarantineRetentionDays).toBe(14);
  });

  it('fails with one line per problem, all at once', () => {
    // GIVEN no table names and a bad retention
    // WHEN loaded THEN every problem is listed, one line each, naming the variable
    const problems = problemsOf({ QUARANTINE_RETENTION_DAYS: 'ninety' });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^READINGS_TABLE_NAME is not set/);
    expect(problems[1]).toMatch(/^QUARANTINE_TABLE_NAME is not set/);
    expect(problems[2]).toMatch(
      /^QUARANTINE_RETENTION_DAYS must be a whole number of days from 1 to 3650, got "ninety"/,
    );
    expect(problems.every((p) => !p.includes('\n'))).toBe(true);
  });

  it('fails with a message that lists every problem on its own line', () => {
    expect(() => loadConfig({})).toThrow(
      'invalid ingest configuration:\n- READINGS_TABLE_NAME is not set: it must name a DynamoDB table\n- QUARANTINE_TABLE_NAME is not set: it must name a DynamoDB table',
    );
  });

  it.each([['0'], ['-1'], ['1.5'], ['3651'], ['1e3'], [' 7x']])(
    'fails when QUARANTINE_RETENTION_DAYS is %j',
    (value) => {
      expect(problemsOf({ ...VALID, QUARANTINE_RETENTION_DAYS: value })).toEqual([
        `QUARANTINE_RETENTION_DAYS must be a whole number of days from 1 to 3650, got ${JSON.stringify(value)}`,
      ]);
    },
  );

  it.each([['ab'], ['has space'], ['a/b'], ['x'.repeat(256)]])('fails when a table name is %j', (name) => {
    expect(problemsOf({ ...VALID, READINGS_TABLE_NAME: name })[0]).toMatch(
      /^READINGS_TABLE_NAME must be a DynamoDB table name/,
    );
  });

  it('fails when both variables name the same table', () => {
    expect(problemsOf({ READINGS_TABLE_NAME: 'same', QUARANTINE_TABLE_NAME: 'same' })).toEqual([
      'READINGS_TABLE_NAME and QUARANTINE_TABLE_NAME must name two different tables, both are "same"',
    ]);
  });
});
