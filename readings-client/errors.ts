/**
 * The readings client's errors: one base class, a subclass per kind. Wrong input from the caller is an
 * {@link InvalidArgumentError}; an item in a table that does not have the documented shape is an
 * {@link ItemShapeError}. Errors from the DynamoDB client are not wrapped: they pass through unchanged.
 */

/** Base class of every error the readings client throws itself. */
export class ReadingsClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReadingsClientError';
  }
}

/** A series key, time or option given by the caller is not valid. The message says what was received. */
export class InvalidArgumentError extends ReadingsClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidArgumentError';
  }
}

/** An item read from a table does not have the shape that `core/table-layout.ts` documents. */
export class ItemShapeError extends ReadingsClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ItemShapeError';
  }
}
