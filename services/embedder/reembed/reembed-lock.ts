import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../../shared/errors/index.js';
import { SQLITE_BUSY, embedderErrorCodes } from '../embedder-errors.js';

export interface ReembedLock {
  release(): void;
}

/**
 * The one-job-at-a-time lock of the re-embed job, across processes: an open `BEGIN IMMEDIATE` transaction on a
 * small SQLite file holds the database's write lock, which the OS drops when the holder dies (even by `kill -9`),
 * so a crashed job never leaves a stale lock behind. Returns undefined at once when another holder has it.
 */
export function tryReembedLock(file: string): ReembedLock | undefined {
  let db: Database.Database;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file, { timeout: 0 });
  } catch (error) {
    throw lockError(`cannot open the re-embed lock ${file}`, error);
  }
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    db.close();
    if (error instanceof Database.SqliteError && error.code.startsWith(SQLITE_BUSY)) return undefined;
    throw lockError(`cannot take the re-embed lock ${file}`, error);
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

function lockError(message: string, cause: unknown): AppError {
  return new AppError(
    embedderErrorCodes.reembedIo,
    `${message}: ${cause instanceof Error ? cause.message : String(cause)}`,
    {
      retriable: true,
      cause,
    },
  );
}
