/**
 * The archiver's Lambda entry point: `handler`, built at the first invocation of a container from the environment
 * (`config.ts`) and one S3 client. A missing or invalid setting fails that invocation with an
 * {@link ArchiveConfigError} naming every problem; the batch is retried once the setting is fixed.
 *
 * Tests and the local runner build their own handler with {@link createArchiveHandler}.
 */
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { createLogger } from '../shared/logger';
import { createS3Client } from '../shared/s3-client';
import { loadArchiveConfig } from './config';
import { ArchiveConfigError } from './errors';
import { createArchiveHandler, type ArchiveHandler } from './handler';
import { ARCHIVE_SERVICE_NAME } from './metric-names';

export { createArchiveHandler, archiveObjectBody } from './handler';
export type { ArchiveBatchResult, ArchiveDependencies, ArchiveHandler } from './handler';
export { loadArchiveConfig, ARCHIVE_ENV, type ArchiveConfig } from './config';
export { ArchiveConfigError, ArchiveError } from './errors';
export * from './metric-names';

let containerHandler: ArchiveHandler | undefined;

/** The Lambda handler: a Kinesis batch in, its archive objects written (or an error, and the batch is retried). */
export async function handler(event: KinesisStreamEvent, context?: Context): Promise<void> {
  if (!containerHandler) {
    try {
      containerHandler = createArchiveHandler({ client: createS3Client(), config: loadArchiveConfig() });
    } catch (err) {
      if (err instanceof ArchiveConfigError) {
        createLogger(ARCHIVE_SERVICE_NAME).error(err.message, { problems: err.problems });
      }
      throw err;
    }
  }
  await containerHandler(event, context);
}
