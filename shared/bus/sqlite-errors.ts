import Database from 'better-sqlite3';
import { AppError } from '../errors/index.js';
import { busErrorCodes } from './bus-errors.js';

/**
 * SQLite result codes that may go away on their own: another process holds the lock past busy_timeout,
 * the disk is full, a transient I/O error. Corruption, a read-only file or a schema mismatch will not.
 */
const RETRIABLE_PREFIXES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_PROTOCOL',
  'SQLITE_CANTOPEN',
];

export function mapSqliteError(error: unknown, operation: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof Database.SqliteError) {
    const retriable = RETRIABLE_PREFIXES.some((prefix) => error.code.startsWith(prefix));
    return new AppError(busErrorCodes.storage, `bus log ${operation} failed (${error.code}): ${error.message}`, {
      retriable,
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(busErrorCodes.storage, `bus log ${operation} failed: ${message}`, {
    retriable: false,
    cause: error,
  });
}

/** runs a synchronous better-sqlite3 operation, translating whatever it throws */
export function sqliteOp<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw mapSqliteError(error, operation);
  }
}
