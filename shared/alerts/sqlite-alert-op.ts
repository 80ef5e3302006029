import Database from 'better-sqlite3';
import { AppError } from '../errors/index.js';
import { alertError, alertErrorCodes } from './alert-errors.js';

// SQLite result codes (extended codes start with the primary one) and what they mean for a caller: busy and
// I/O may clear up on their own, a damaged file will not.
const BUSY = ['SQLITE_BUSY', 'SQLITE_LOCKED'];
const IO = ['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_PROTOCOL', 'SQLITE_CANTOPEN'];
const CORRUPT = ['SQLITE_CORRUPT', 'SQLITE_NOTADB', 'SQLITE_FORMAT'];

const startsWithAny = (code: string, prefixes: string[]) => prefixes.some((p) => code.startsWith(p));

/** A driver error as the store's AppError (codes from alert-errors.ts), the original as `cause`. */
export function mapAlertSqliteError(error: unknown, operation: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof Database.SqliteError) {
    const message = `alert store ${operation} failed (${error.code}): ${error.message}`;
    if (startsWithAny(error.code, BUSY))
      return alertError(alertErrorCodes.busy, message, { retriable: true, cause: error });
    if (startsWithAny(error.code, IO))
      return alertError(alertErrorCodes.io, message, { retriable: true, cause: error });
    if (error.code.startsWith('SQLITE_READONLY'))
      return alertError(alertErrorCodes.io, message, { retriable: false, cause: error });
    if (startsWithAny(error.code, CORRUPT))
      return alertError(alertErrorCodes.corrupt, message, { retriable: false, cause: error });
    return alertError(alertErrorCodes.failed, message, { retriable: false, cause: error });
  }
  const text = error instanceof Error ? error.message : String(error);
  return alertError(alertErrorCodes.failed, `alert store ${operation} failed: ${text}`, { cause: error });
}

/** Runs a synchronous better-sqlite3 operation, translating whatever it throws. */
export function alertSqliteOp<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw mapAlertSqliteError(error, operation);
  }
}

const statementCache = new WeakMap<Database.Database, Map<string, Database.Statement>>();

/** The prepared statement for `sql` on this connection, prepared once. */
export function prepared(db: Database.Database, sql: string): Database.Statement {
  let cache = statementCache.get(db);
  if (cache === undefined) {
    cache = new Map();
    statementCache.set(db, cache);
  }
  let statement = cache.get(sql);
  if (statement === undefined) {
    statement = db.prepare(sql);
    cache.set(sql, statement);
  }
  return statement;
}

/** JSON the store wrote itself; text that does not parse means a damaged file, not bad input. */
export function parseStoredJson<T>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw alertError(alertErrorCodes.corrupt, `alert store holds unreadable ${what}: ${text.slice(0, 80)}`, {
      cause: error,
    });
  }
}
