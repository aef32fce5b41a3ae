/**
 * The functions' structured logger: Powertools Logger, one JSON line per entry. The log level comes from
 * `POWERTOOLS_LOG_LEVEL` (default INFO); the service name is the function's.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export { Logger };

/** A logger for one function, named by its service. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}
