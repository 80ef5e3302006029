import { AppError } from '../errors/index.js';

/**
 * The codes vector store adapters put on their AppErrors. Callers branch on these and on `retriable`
 * (a retriable failure pauses an embedder; a non-retriable one is a bug or bad input), never on text.
 * Bad arguments (wrong vector length, bad filter) are ValidationErrors (code VALIDATION).
 */
export const storeErrorCodes = {
  /** no collection or alias of that name */
  unknownCollection: 'STORE_UNKNOWN_COLLECTION',
  /** ensureCollection found the collection with another dimension */
  collectionMismatch: 'STORE_COLLECTION_MISMATCH',
  /** dropCollection of a collection an alias points at */
  aliasInUse: 'STORE_ALIAS_IN_USE',
  /** the store cannot be reached or is busy: retriable */
  unavailable: 'STORE_UNAVAILABLE',
  /** disk full, I/O error: retriable */
  io: 'STORE_IO',
  /** the store's files or answers are not what they must be: not retriable */
  corrupt: 'STORE_CORRUPT',
  /** the store was closed */
  closed: 'STORE_CLOSED',
  /** the backend failed in a way none of the codes above describes (a bug, an unexpected answer): not retriable */
  failed: 'STORE_FAILED',
} as const;

export type StoreErrorCode = (typeof storeErrorCodes)[keyof typeof storeErrorCodes];

export function storeError(
  code: StoreErrorCode,
  message: string,
  options: { retriable?: boolean; cause?: unknown } = {},
): AppError {
  return new AppError(code, message, { retriable: options.retriable ?? false, cause: options.cause });
}
