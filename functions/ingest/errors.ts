/**
 * The ingest function's errors. Bad input is never one of these (it is quarantined as data); these are the failures
 * that stop a record, a batch or the container.
 */

/** Base class of every error the ingest function raises. */
export class IngestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IngestError';
  }
}

/** The function's configuration is missing or invalid: one line per problem, raised at cold start. */
export class ConfigError extends IngestError {
  /** Every problem found, one sentence each. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid ingest configuration:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
