/**
 * The archiver's errors. The archiver has no bad input (any bytes are archived as they are): these are the failures
 * that stop a batch (retried by the event source mapping) or the container.
 */

/** Base class of every error the archiver raises. */
export class ArchiveError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveError';
  }
}

/** The archiver's configuration is missing or invalid: one line per problem, raised at cold start. */
export class ArchiveConfigError extends ArchiveError {
  /** Every problem found, one sentence each. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`invalid archive configuration:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ArchiveConfigError';
    this.problems = problems;
  }
}
