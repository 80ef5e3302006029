import { constants } from 'node:os';
import { AppError } from '../../errors/index.js';
import { errnoOf, isTransientErrno } from '../../fs/index.js';
import { storeError, storeErrorCodes } from '../store-errors.js';

const errnoNames = new Map(Object.entries(constants.errno).map(([name, number]) => [number, name]));

/**
 * The errno behind a LanceDB failure. The native binding throws plain Errors whose only `code` is napi's
 * 'GenericFailure'; the Rust core renders an OS failure as "... (os error 28)", the one structured part of
 * its text, so that number is read back (it is a number, not prose, and names the errno exactly).
 */
export function lanceErrno(error: unknown): string | undefined {
  const own = errnoOf(error);
  if (own !== undefined && own !== 'GenericFailure') return own;
  const message = error instanceof Error ? error.message : '';
  const match = /\(os error (\d+)\)/.exec(message);
  return match ? errnoNames.get(Number(match[1])) : undefined;
}

/** Any failure of a LanceDB or file operation as a store AppError (AppErrors pass through unchanged). */
export function mapLanceError(error: unknown, operation: string): AppError {
  if (error instanceof AppError) return error;
  const errno = lanceErrno(error);
  const detail = error instanceof Error ? error.message.split('\n')[0].slice(0, 500) : String(error);
  if (errno !== undefined) {
    return storeError(storeErrorCodes.io, `vector store ${operation} failed (${errno}): ${detail}`, {
      retriable: isTransientErrno({ code: errno }),
      cause: error,
    });
  }
  return storeError(storeErrorCodes.failed, `vector store ${operation} failed: ${detail}`, { cause: error });
}

/** Runs one LanceDB operation, translating whatever it throws. */
export async function lanceOp<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw mapLanceError(error, operation);
  }
}
