/** The error for a local service whose tool is not installed: its message says exactly what to install. */
export class MissingToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingToolError';
  }
}
