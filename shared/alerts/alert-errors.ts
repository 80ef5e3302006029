import { AppError } from '../errors/index.js';

/**
 * The codes the alert store puts on its AppErrors. Callers branch on these and on `retriable` (a retriable
 * failure is retried with backoff; the others are bugs, a broken file or a closed store), never on text.
 * Bad arguments are ValidationErrors (code VALIDATION, or BAD_BBOX for a rule's bbox).
 */
export const alertErrorCodes = {
  /** another process held the file's write lock past the busy timeout: retriable */
  busy: 'ALERTS_BUSY',
  /** disk full, I/O error, the file cannot be opened: retriable (a read-only file is not) */
  io: 'ALERTS_IO',
  /** the file is not a database, is damaged, or holds rows this code cannot read: not retriable */
  corrupt: 'ALERTS_CORRUPT',
  /** the file was written by a newer schema version than this code reads: not retriable */
  schemaMismatch: 'ALERTS_SCHEMA_MISMATCH',
  /** recordAttempt of a delivery id the store does not hold */
  unknownDelivery: 'ALERTS_UNKNOWN_DELIVERY',
  /** the store was closed */
  closed: 'ALERTS_CLOSED',
  /** SQLite failed in a way none of the codes above describes (a bug): not retriable */
  failed: 'ALERTS_FAILED',
} as const;

export type AlertErrorCode = (typeof alertErrorCodes)[keyof typeof alertErrorCodes];

export function alertError(
  code: AlertErrorCode,
  message: string,
  options: { retriable?: boolean; cause?: unknown } = {},
): AppError {
  return new AppError(code, message, { retriable: options.retriable ?? false, cause: options.cause });
}
