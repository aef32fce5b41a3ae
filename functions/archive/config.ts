/**
 * The archiver's configuration, read from the environment once, at cold start. Every problem is reported, one line
 * each, in a single {@link ArchiveConfigError}.
 *
 * - `ARCHIVE_BUCKET_NAME` (required): the archive bucket.
 * - `ARCHIVE_PREFIX` (optional, default {@link DEFAULT_ARCHIVE_PREFIX}): the key prefix of every object; it ends
 *   with `/` and holds no `//`.
 *
 * The S3 endpoint is not configured here: the SDK reads `AWS_ENDPOINT_URL_S3` itself (local runs).
 */
import { DEFAULT_ARCHIVE_PREFIX } from '../../core';
import { ArchiveConfigError } from './errors';

/** The archiver's configuration. */
export interface ArchiveConfig {
  /** Name of the archive bucket. */
  readonly bucketName: string;
  /** Key prefix of every archive object. */
  readonly prefix: string;
}

/** The environment variables this function reads. */
export const ARCHIVE_ENV = {
  bucket: 'ARCHIVE_BUCKET_NAME',
  prefix: 'ARCHIVE_PREFIX',
} as const;

// S3's rule for bucket names (general purpose buckets), without the dotted-IP and reserved-prefix corner cases
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^(?:[A-Za-z0-9!_.*'()-]+\/)+$/;

/** Reads and validates the configuration; throws {@link ArchiveConfigError} listing every problem. */
export function loadArchiveConfig(env: NodeJS.ProcessEnv = process.env): ArchiveConfig {
  const problems: string[] = [];
  const bucketName = env[ARCHIVE_ENV.bucket]?.trim() ?? '';
  if (bucketName === '') {
    problems.push(`${ARCHIVE_ENV.bucket} is not set: it must name the archive S3 bucket`);
  } else if (!BUCKET_NAME.test(bucketName)) {
    problems.push(
      `${ARCHIVE_ENV.bucket} must be an S3 bucket name (3-63 characters of a-z 0-9 . -), got ${JSON.stringify(bucketName)}`,
    );
  }
  const rawPrefix = env[ARCHIVE_ENV.prefix];
  const prefix = rawPrefix === undefined || rawPrefix.trim() === '' ? DEFAULT_ARCHIVE_PREFIX : rawPrefix.trim();
  if (!PREFIX.test(prefix)) {
    problems.push(
      `${ARCHIVE_ENV.prefix} must be one or more path segments each ending with "/" (such as "raw/"), got ${JSON.stringify(rawPrefix)}`,
    );
  }
  if (problems.length > 0) throw new ArchiveConfigError(problems);
  return { bucketName, prefix };
}
