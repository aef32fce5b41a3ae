/**
 * The ingest function's time budget, in one place: the DynamoDB client's attempts and timeouts, the worst case of one
 * record, and the function's timeout, each derived from the one before. Pure (no SDK import), so the CDK app reads the
 * timeout from here and the client and the handler read the rest.
 *
 * The arithmetic (all figures in milliseconds):
 *
 * - One attempt of one DynamoDB request: at most the connection timeout (2,000) plus the request timeout (5,000):
 *   7,000. The request timeout is the socket's idle timeout (`@smithy/node-http-handler` with
 *   `throwOnRequestTimeout`), so only a response that trickles in byte by byte could outlast it.
 * - The SDK's standard retry mode between attempts (`@smithy/core` retry, `DefaultRetryBackoffStrategy`): before retry
 *   `i` (0-based) it waits at most `min(base * 2^i, 20,000)`, base 1,000 for throttling (50 otherwise), and when the
 *   service sends a Retry-After hint at most 5,000 more. DynamoDB sends none, but it is counted: retry 0 waits at most
 *   1,000 + 5,000, retry 1 at most 2,000 + 5,000.
 * - One call, {@link DYNAMODB_MAX_ATTEMPTS} = 3 attempts: 3 x 7,000 + 6,000 + 7,000 = 34,000.
 * - One record chains at most {@link CALLS_PER_RECORD} = 3 calls (the series registry, the reading, then the
 *   quarantine item of a conflict or of data DynamoDB refused): 3 x 34,000 = 102,000.
 * - The handler starts a record only while at least that plus {@link RESPONSE_RESERVE_MILLIS} (2,000: logging the
 *   failures, flushing the metrics, returning) remains: {@link RECORD_START_BUDGET_MILLIS} = 104,000. Every record it
 *   starts therefore ends before the deadline, and every record it does not start is reported for retry.
 * - The function's timeout leaves room for two worst-case records back to back (one series' records run in order)
 *   plus the reserve: 2 x 102,000 + 2,000 = 206,000, so {@link FUNCTION_TIMEOUT_SECONDS} = 206. An invocation always
 *   starts its first record (206 s > 104 s remain), so a batch always makes progress, however slow DynamoDB is.
 *   A timeout costs nothing while DynamoDB is healthy: records take milliseconds.
 */

/** Attempts of one DynamoDB request, the first included (the SDK's standard mode, stated rather than defaulted). */
export const DYNAMODB_MAX_ATTEMPTS = 3;

/** How long opening a connection to DynamoDB may take. */
export const CONNECTION_TIMEOUT_MILLIS = 2_000;

/** How long one DynamoDB request may stay silent before the SDK abandons it and retries. */
export const REQUEST_TIMEOUT_MILLIS = 5_000;

/** The SDK's throttling backoff base (`Retry.throttlingDelay()` in `@smithy/core`), the larger of its two bases. */
export const SDK_THROTTLING_BACKOFF_BASE_MILLIS = 1_000;

/** The SDK's cap on one backoff (`MAXIMUM_RETRY_DELAY` in `@smithy/core`). */
export const SDK_MAXIMUM_BACKOFF_MILLIS = 20_000;

/** What the SDK may add to a backoff when the service sends a Retry-After hint. */
export const SDK_RETRY_AFTER_ALLOWANCE_MILLIS = 5_000;

/** Most DynamoDB calls one record makes: series registry, reading, quarantine item. */
export const CALLS_PER_RECORD = 3;

/** What the handler keeps back after the last record for logging, metrics and its response. */
export const RESPONSE_RESERVE_MILLIS = 2_000;

/** The longest the SDK waits before retry `i` (0-based). */
export function worstBackoffMillis(i: number): number {
  return (
    Math.min(SDK_THROTTLING_BACKOFF_BASE_MILLIS * 2 ** i, SDK_MAXIMUM_BACKOFF_MILLIS) + SDK_RETRY_AFTER_ALLOWANCE_MILLIS
  );
}

/** The worst case of one DynamoDB call, every attempt and backoff included. */
export const WORST_CALL_MILLIS =
  DYNAMODB_MAX_ATTEMPTS * (CONNECTION_TIMEOUT_MILLIS + REQUEST_TIMEOUT_MILLIS) +
  Array.from({ length: DYNAMODB_MAX_ATTEMPTS - 1 }, (_, i) => worstBackoffMillis(i)).reduce((a, b) => a + b, 0);

/** The worst case of one record. */
export const WORST_RECORD_MILLIS = CALLS_PER_RECORD * WORST_CALL_MILLIS;

/** The handler starts no record when less than this remains of the invocation. */
export const RECORD_START_BUDGET_MILLIS = WORST_RECORD_MILLIS + RESPONSE_RESERVE_MILLIS;

/** The ingest function's timeout: two worst-case records and the reserve. */
export const FUNCTION_TIMEOUT_SECONDS = Math.ceil((2 * WORST_RECORD_MILLIS + RESPONSE_RESERVE_MILLIS) / 1000);
