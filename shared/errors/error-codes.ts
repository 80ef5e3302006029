/**
 * The codes of the errors declared in this module, and of those several unrelated modules throw, written once.
 * Each module that throws its own codes declares them the same way beside its errors (e.g. `busErrorCodes` in
 * shared/bus/bus-errors.ts); callers branch on these constants (and on `retriable`), never on message text or
 * `error.name`. test/unit/errors/error-codes.test.ts fails on a code written inline anywhere else.
 */
export const errorCodes = {
  /** a wrong value in a call, a flag or a request (ValidationError's default code) */
  validation: 'VALIDATION',
  /** a wrong configuration value (ConfigError): the CLI exits 2 */
  config: 'CONFIG',
  /** cancelled through an AbortSignal (AbortedError) */
  aborted: 'ABORTED',
  /** the retry helper gave up (RetriesExhaustedError) */
  retriesExhausted: 'RETRIES_EXHAUSTED',
  /** image bytes that cannot be decoded (shared/tiles, shared/model/image, the trainer's data loaders) */
  undecodable: 'UNDECODABLE',
  /** an image file that cannot be read (inference, the trainer's data loaders); retriable when the errno may clear up */
  imageUnreadable: 'IMAGE_UNREADABLE',
} as const;

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes];
