import Database from 'better-sqlite3';
import { sleep } from '../../retry/index.js';
import { storeError, storeErrorCodes } from '../store-errors.js';

export const LOCK_FILE = 'store.lock.db';

/**
 * One writer at a time per store folder, across processes and within this one. The cross-process part is a
 * SQLite `BEGIN IMMEDIATE` on a lock file: an OS byte-range lock held by the SQLite library, released by
 * ROLLBACK (the transaction writes nothing; a COMMIT could itself meet SQLITE_BUSY) and by the kernel when
 * the holder dies, so a kill -9 never leaves the store locked. busy_timeout is 0 and the wait is an async
 * retry loop, so a waiting writer never blocks the event loop.
 */
export class WriterLock {
  private db: Database.Database | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly timeoutMs: number,
    private readonly retryMs = 5,
  ) {}

  open(): void {
    const db = new Database(this.file);
    db.pragma('busy_timeout = 0');
    this.db = db;
  }

  /** Runs `fn` holding the lock; STORE_UNAVAILABLE (retriable) when another writer keeps it past timeoutMs. */
  run<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.holding(operation, fn));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Runs `fn` holding the lock if it is free right now; undefined (fn not run) when another holder has it. */
  tryRun<T>(operation: string, fn: () => Promise<T>): Promise<T | undefined> {
    const result = this.tail.then(async () => {
      const db = this.db;
      if (!db) throw storeError(storeErrorCodes.closed, `vector store is closed (${operation})`);
      if (!this.tryAcquire(db)) return undefined;
      try {
        return await fn();
      } finally {
        db.exec('ROLLBACK');
      }
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async holding<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    const db = this.db;
    if (!db) throw storeError(storeErrorCodes.closed, `vector store is closed (${operation})`);
    await this.acquire(db, operation);
    try {
      return await fn();
    } finally {
      db.exec('ROLLBACK');
    }
  }

  /** true when taken, false when another holder has it; any other failure throws */
  private tryAcquire(db: Database.Database): boolean {
    try {
      db.exec('BEGIN IMMEDIATE');
      return true;
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY')) return false;
      throw storeError(storeErrorCodes.io, `lock file ${this.file} failed`, { retriable: true, cause: error });
    }
  }

  private async acquire(db: Database.Database, operation: string): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while (!this.tryAcquire(db)) {
      if (Date.now() >= deadline) {
        throw storeError(
          storeErrorCodes.unavailable,
          `${operation}: another writer held ${this.file} for more than ${this.timeoutMs} ms`,
          { retriable: true },
        );
      }
      await sleep(this.retryMs + Math.random() * this.retryMs);
    }
  }

  /** Waits for this process's writes in flight, then releases the file. */
  async close(): Promise<void> {
    await this.tail;
    this.db?.close();
    this.db = undefined;
  }
}
