/**
 * The bridge's logger: Powertools Logger (the one the Lambda functions use, so every component writes the same JSON
 * shape: `level`, `message`, `timestamp`, `service`, plus keys), with every level on stdout, one JSON object a line.
 * Nothing here or in its callers logs a password: options objects are never logged, only named fields.
 */
import { Console } from 'node:console';
import { Logger } from '@aws-lambda-powertools/logger';

/** The logging surface the bridge uses (a subset of Powertools' Logger, so tests can pass a recorder). */
export interface BridgeLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/** The log levels accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A Powertools Logger for the bridge, writing every level to stdout. */
export function createLogger(level: LogLevel = 'INFO', clientId?: string): BridgeLogger {
  const logger = new Logger({
    serviceName: 'bridge',
    logLevel: level,
    ...(clientId ? { persistentKeys: { clientId } } : {}),
  });
  // Powertools writes WARN and ERROR to stderr; the container's log driver reads stdout, one stream keeps lines ordered.
  (logger as unknown as { console: Console }).console = new Console({ stdout: process.stdout, stderr: process.stdout });
  return {
    debug: (m, e) => (e ? logger.debug(m, e) : logger.debug(m)),
    info: (m, e) => (e ? logger.info(m, e) : logger.info(m)),
    warn: (m, e) => (e ? logger.warn(m, e) : logger.warn(m)),
    error: (m, e) => (e ? logger.error(m, e) : logger.error(m)),
  };
}

/** A logger that drops everything (for in-process tests that do not read logs). */
export const silentLogger: BridgeLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
