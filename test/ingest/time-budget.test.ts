/**
 * The ingest function's time budget (`functions/shared/time-budget.ts`): the arithmetic, and the SDK really keeping
 * to what it counts (attempts, and the longest backoff of its standard retry mode), checked on the client the
 * function uses rather than trusted.
 */
import { createDynamoDbClient } from '../../functions/shared/dynamodb-client';
import {
  DYNAMODB_MAX_ATTEMPTS,
  FUNCTION_TIMEOUT_SECONDS,
  RECORD_START_BUDGET_MILLIS,
  WORST_CALL_MILLIS,
  WORST_RECORD_MILLIS,
  worstBackoffMillis,
} from '../../functions/shared/time-budget';

describe('the time budget', () => {
  it.each([
    ['one call: 3 attempts of 7 s and two backoffs (6 s, 7 s)', WORST_CALL_MILLIS, 34_000],
    ['one record: 3 calls', WORST_RECORD_MILLIS, 102_000],
    ['a record starts with: one record and the 2 s reserve', RECORD_START_BUDGET_MILLIS, 104_000],
    ['the function timeout: two records and the reserve, in seconds', FUNCTION_TIMEOUT_SECONDS, 206],
  ])('derives %s', (_what, value, expected) => {
    expect(value).toBe(expected);
  });

  it('leaves every invocation time to start its first record', () => {
    expect(FUNCTION_TIMEOUT_SECONDS * 1000).toBeGreaterThanOrEqual(RECORD_START_BUDGET_MILLIS);
  });

  describe("the function's DynamoDB client", () => {
    const saved = { ...process.env };
    beforeAll(() => {
      Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' });
    });
    afterAll(() => {
      process.env = saved;
      jest.restoreAllMocks();
    });

    it('makes the counted attempts and waits no longer between them than the budget counts, throttled, with a Retry-After', async () => {
      // GIVEN the client's own retry strategy, its random jitter at its largest, every wait recorded and skipped
      const client = createDynamoDbClient();
      expect(await client.config.maxAttempts()).toBe(DYNAMODB_MAX_ATTEMPTS);
      const configured = await client.config.retryStrategy();
      if (!('refreshRetryTokenForRetry' in configured)) throw new Error('expected the SDK v3 retry strategy (V2)');
      const strategy = configured;
      jest.spyOn(Math, 'random').mockReturnValue(0.999_999);
      const waits: number[] = [];
      jest.spyOn(global, 'setTimeout').mockImplementation(((callback: () => void, ms?: number) => {
        waits.push(ms ?? 0);
        callback();
        return 0 as unknown as NodeJS.Timeout;
      }) as typeof setTimeout);
      // WHEN every attempt is throttled and the service asks for a minute's wait
      let token = await strategy.acquireInitialRetryToken('dynamodb');
      const errorInfo = { errorType: 'THROTTLING' as const, retryAfterHint: new Date(Date.now() + 60_000) };
      let retries = 0;
      for (;;) {
        try {
          token = await strategy.refreshRetryTokenForRetry(token, errorInfo);
          retries++;
        } catch {
          break;
        }
        if (retries > 10) break;
      }
      jest.restoreAllMocks();
      client.destroy();
      // THEN it retried attempts - 1 times, each wait within the budget's worst case, and not far under it
      expect(retries).toBe(DYNAMODB_MAX_ATTEMPTS - 1);
      waits.forEach((ms, i) => {
        expect(ms).toBeLessThanOrEqual(worstBackoffMillis(i));
        expect(ms).toBeGreaterThan(worstBackoffMillis(i) - 10);
      });
    });
  });
});
