import { errorCodes } from './error-codes.js';

/**
 * The one error type that crosses module boundaries. `retriable` tells callers whether the same
 * operation may succeed later (store down, 503) or never will (bad bytes, bad schema); the retry helper
 * and the consumers branch on it, never on message text.
 */
export class AppError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable;
  }
}

/**
 * A wrong value in configuration, a CLI flag or a request: never retriable. `code` narrows the kind (e.g.
 * 'BAD_BBOX'); whatever the code, the CLI treats every ValidationError as a usage error (exit 2).
 */
export class ValidationError extends AppError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? errorCodes.validation, message, { retriable: false, cause: options.cause });
  }
}

/** A wrong configuration value (file, environment or flag); the message names the key, the value and what is allowed. */
export class ConfigError extends ValidationError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: errorCodes.config, cause });
  }
}

/** The retry helper gave up; `cause` holds the last failure. */
export class RetriesExhaustedError extends AppError {
  readonly attempts: number;
  constructor(attempts: number, cause: unknown) {
    super(errorCodes.retriesExhausted, `gave up after ${attempts} attempts: ${describeError(cause)}`, {
      retriable: false,
      cause,
    });
    this.attempts = attempts;
  }
}

/** An operation was cancelled through its AbortSignal. */
export class AbortedError extends AppError {
  constructor(message = 'aborted') {
    super(errorCodes.aborted, message, { retriable: false });
  }
}

export function describeError(error: unknown): string {
  if (error instanceof AppError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
