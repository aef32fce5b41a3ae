/**
 * Telling DynamoDB's answers apart. A failed condition is an answer, not an error. A `ValidationException` on a write
 * whose request the code built correctly is DynamoDB refusing the data itself (a number or an item it cannot hold):
 * that record is bad input and is quarantined, so it cannot block its shard. Everything else (throttling, 5xx,
 * timeouts, network, missing table, denied access) is an infrastructure failure that the platform retries.
 */
import { ConditionalCheckFailedException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import type { RejectionReason } from '../../core';

/** True when a conditional write found its condition false. */
export function isConditionalCheckFailed(err: unknown): err is ConditionalCheckFailedException {
  return err instanceof ConditionalCheckFailedException;
}

/** True when DynamoDB refused a request as invalid (`ValidationException`). */
export function isValidationError(err: unknown): err is DynamoDBServiceException {
  return err instanceof DynamoDBServiceException && err.name === 'ValidationException';
}

/** The quarantine reason for data that DynamoDB refused: an item over its size limit, or else a value it cannot hold. */
export function refusalReason(err: DynamoDBServiceException): RejectionReason {
  return /size/i.test(err.message) ? 'too-large' : 'bad-value';
}
