/**
 * The ingest function's configuration, read from the environment once, at cold start. Every problem is reported,
 * one line each, in a single {@link ConfigError}.
 *
 * - `READINGS_TABLE_NAME` (required): the readings table.
 * - `QUARANTINE_TABLE_NAME` (required): the quarantine table.
 * - `QUARANTINE_RETENTION_DAYS` (optional, default {@link DEFAULT_QUARANTINE_RETENTION_DAYS}): how long a quarantine
 *   item is kept before DynamoDB's TTL removes it, a whole number of days from 1 to {@link MAX_RETENTION_DAYS}.
 *
 * The DynamoDB endpoint is not configured here: the SDK reads `AWS_ENDPOINT_URL_DYNAMODB` itself (local runs).
 */
import { DEFAULT_QUARANTINE_RETENTION_DAYS } from '../../core';
import { ConfigError } from './errors';

/** The ingest function's configuration. */
export interface IngestConfig {
  /** Name of the readings table. */
  readonly readingsTableName: string;
  /** Name of the quarantine table. */
  readonly quarantineTableName: string;
  /** Days a quarantine item is kept. */
  readonly quarantineRetentionDays: number;
}

/** The environment variables this function reads. */
export const ENV = {
  readingsTable: 'READINGS_TABLE_NAME',
  quarantineTable: 'QUARANTINE_TABLE_NAME',
  retentionDays: 'QUARANTINE_RETENTION_DAYS',
} as const;

/** Longest quarantine retention accepted, in days (ten years). */
export const MAX_RETENTION_DAYS = 3650;

// DynamoDB's rule for table names
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

/** Reads and validates the configuration; throws {@link ConfigError} listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const problems: string[] = [];
  const tableName = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      problems.push(`${name} is not set: it must name a DynamoDB table`);
      return '';
    }
    if (!TABLE_NAME.test(value)) {
      problems.push(
        `${name} must be a DynamoDB table name (3-255 characters of A-Z a-z 0-9 _ . -), got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  const readingsTableName = tableName(ENV.readingsTable);
  const quarantineTableName = tableName(ENV.quarantineTable);
  if (readingsTableName !== '' && readingsTableName === quarantineTableName) {
    problems.push(
      `${ENV.readingsTable} and ${ENV.quarantineTable} must name two different tables, both are ${JSON.stringify(readingsTableName)}`,
    );
  }
  let quarantineRetentionDays = DEFAULT_QUARANTINE_RETENTION_DAYS;
  const rawRetention = env[ENV.retentionDays];
  if (rawRetention !== undefined && rawRetention.trim() !== '') {
    const days = /^\d+$/.test(rawRetention.trim()) ? Number(rawRetention.trim()) : NaN;
    if (!Number.isSafeInteger(days) || days < 1 || days > MAX_RETENTION_DAYS) {
      problems.push(
        `${ENV.retentionDays} must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, got ${JSON.stringify(rawRetention)}`,
      );
    } else {
      quarantineRetentionDays = days;
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return { readingsTableName, quarantineTableName, quarantineRetentionDays };
}
