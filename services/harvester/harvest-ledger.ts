import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../shared/errors/index.js';
import { createClaimStatements, type ClaimOwner, type ClaimStatements } from './ledger-claims.js';
import {
  createIntentStatements,
  keyPrefixRange,
  type IntentEntry,
  type IntentRecord,
  type IntentStatements,
} from './ledger-intents.js';
import { harvesterErrorCodes } from './harvester-errors.js';

export type { ClaimOwner } from './ledger-claims.js';
export type { IntentEntry, IntentRecord } from './ledger-intents.js';

export type LedgerStatus = 'produced' | 'blank' | 'failed';

/** What the harvester remembers about one tile (keyed by tile key layer/date/tms/z/row/col). */
export interface LedgerEntry {
  key: string;
  /** produced = stored and acknowledged by the bus; blank = GIBS's no-data image; failed = never succeeded yet */
  status: LedgerStatus;
  etag?: string;
  sha256?: string;
  blobKey?: string;
  bytes?: number;
  /** the last failure, kept even when an earlier run succeeded */
  code?: string;
  reason?: string;
  updatedAt: string;
}

export type LedgerRecord =
  | { key: string; status: 'produced'; etag?: string; sha256: string; blobKey: string; bytes: number }
  | { key: string; status: 'blank'; etag?: string; sha256: string }
  | { key: string; status: 'failed'; code: string; reason: string };

/**
 * Idempotence, resume and coordination for harvests. A row turns 'produced' only after the bus acknowledged
 * the tile's message, so a crash in between re-produces that message on the next run (at-least-once; the
 * message id is the tile's deterministic point id, so consumers write the same point twice, not two points).
 *
 * Intents close the other gap: an intent is written before the message is produced and removed with the
 * 'produced' row, so a tile whose 'produced' row could not be written after the bus ack (disk full) is still
 * known; the next harvest looks for it on the bus and confirms it instead of producing it again.
 *
 * Claims let harvests of one data directory overlap (a scheduled run and a manual backfill, in one process
 * or several): a harvest works on a tile only while it holds the tile's claim. A claim is a lease: its owner
 * renews it; one not renewed for `claimLeaseMs`, or whose owner process is gone (same host), is free.
 */
export interface HarvestLedger {
  /** how long a claim lasts unless renewed; owners renew well within it (a third of it) */
  readonly claimLeaseMs: number;
  get(key: string): Promise<LedgerEntry | undefined>;
  /**
   * Writes all records in one transaction. A failure never downgrades a produced/blank tile: it only notes
   * the error. A 'produced' record clears the tile's intent.
   */
  record(records: LedgerRecord[]): Promise<void>;
  /** Tiles per status among keys starting with `prefix` (e.g. 'LAYER/2020-09-27/'). */
  counts(prefix?: string): Promise<Record<LedgerStatus, number>>;
  /** Notes, in one transaction, that these tiles' messages are about to be produced. */
  recordIntents(intents: IntentRecord[]): Promise<void>;
  /** Intents left among keys starting with `prefix`: tiles that may be on the bus without a 'produced' row. */
  intents(prefix: string): Promise<IntentEntry[]>;
  /**
   * Turns intents into 'produced' rows, for tiles whose message (same sha256) was found on the bus; an
   * intent replaced or cleared meanwhile is left alone. Returns how many were confirmed.
   */
  confirmIntents(found: Array<{ key: string; sha256: string }>): Promise<number>;
  /** Takes the tile's claim for `owner` when it is free (or already its own); false while another holds it. */
  claim(key: string, owner: ClaimOwner): Promise<boolean>;
  /** Extends every claim `owner` holds by a full lease. */
  renewClaims(owner: ClaimOwner): Promise<void>;
  /** Frees the claim on `key` (only if `owner` holds it), or every claim of `owner` without a key. */
  release(owner: ClaimOwner, key?: string): Promise<void>;
  close(): Promise<void>;
}

interface Row {
  key: string;
  status: LedgerStatus;
  etag: string | null;
  sha256: string | null;
  blob_key: string | null;
  bytes: number | null;
  code: string | null;
  reason: string | null;
  updated_at: string;
}

/** 2: claims and intents (new tables; version-1 files are upgraded in place) */
const SCHEMA_VERSION = 2;
/** a claim outlives a stalled owner by at most this much: a few slow tiles with retries, not a whole harvest */
export const DEFAULT_CLAIM_LEASE_MS = 120_000;

/** The ledger in its own SQLite file (e.g. {dataDir}/harvester.db), WAL mode. */
export class SqliteHarvestLedger implements HarvestLedger {
  readonly claimLeaseMs: number;
  private readonly db: Database.Database;
  private readonly claims: ClaimStatements;
  private readonly intentRows: IntentStatements;
  private readonly selectOne: Database.Statement<[string], Row>;
  private readonly upsertDone: Database.Statement<
    [string, string, string | null, string, string | null, number | null, string]
  >;
  private readonly upsertFailed: Database.Statement<[string, string, string, string]>;
  private readonly writeAll: (records: LedgerRecord[]) => void;
  private closed = false;

  /** Use openHarvestLedger: it creates the directory and the tables first. */
  constructor(db: Database.Database, options: { claimLeaseMs?: number } = {}) {
    this.db = db;
    this.claimLeaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
    if (!Number.isInteger(this.claimLeaseMs) || this.claimLeaseMs < 1) {
      const message = `claimLeaseMs must be a positive integer, got ${this.claimLeaseMs}`;
      throw new AppError(harvesterErrorCodes.ledgerOptions, message, { retriable: false });
    }
    this.claims = createClaimStatements(db);
    this.intentRows = createIntentStatements(db);
    this.selectOne = db.prepare<[string], Row>('SELECT * FROM harvest_tiles WHERE key = ?');
    this.upsertDone = db.prepare(
      `INSERT INTO harvest_tiles (key, status, etag, sha256, blob_key, bytes, code, reason, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)
       ON CONFLICT (key) DO UPDATE SET status = excluded.status, etag = excluded.etag, sha256 = excluded.sha256,
         blob_key = excluded.blob_key, bytes = excluded.bytes, code = NULL, reason = NULL, updated_at = excluded.updated_at`,
    );
    this.upsertFailed = db.prepare(
      `INSERT INTO harvest_tiles (key, status, code, reason, updated_at) VALUES (?, 'failed', ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET code = excluded.code, reason = excluded.reason, updated_at = excluded.updated_at`,
    );
    this.writeAll = db.transaction((records: LedgerRecord[]) => {
      const now = new Date().toISOString();
      for (const r of records) {
        if (r.status === 'failed') this.upsertFailed.run(r.key, r.code, r.reason, now);
        else if (r.status === 'produced') {
          this.upsertDone.run(r.key, 'produced', r.etag ?? null, r.sha256, r.blobKey, r.bytes, now);
          this.intentRows.clear(r.key);
        } else this.upsertDone.run(r.key, 'blank', r.etag ?? null, r.sha256, null, null, now);
      }
    });
  }

  async get(key: string): Promise<LedgerEntry | undefined> {
    this.assertOpen();
    const row = this.selectOne.get(key);
    return row ? toEntry(row) : undefined;
  }

  async record(records: LedgerRecord[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return;
    try {
      this.writeAll(records);
    } catch (error) {
      throw sqliteError('write', error);
    }
  }

  async counts(prefix = ''): Promise<Record<LedgerStatus, number>> {
    this.assertOpen();
    const rows = this.db
      .prepare<[string, string], { status: LedgerStatus; n: number }>(
        'SELECT status, COUNT(*) AS n FROM harvest_tiles WHERE key >= ? AND key < ? GROUP BY status',
      )
      .all(...keyPrefixRange(prefix));
    const out: Record<LedgerStatus, number> = { produced: 0, blank: 0, failed: 0 };
    for (const row of rows) out[row.status] = row.n;
    return out;
  }

  async recordIntents(intents: IntentRecord[]): Promise<void> {
    this.assertOpen();
    if (intents.length > 0) this.write('intent write', () => this.intentRows.write(intents));
  }

  async intents(prefix: string): Promise<IntentEntry[]> {
    this.assertOpen();
    return this.write('intent read', () => this.intentRows.list(prefix));
  }

  async confirmIntents(found: Array<{ key: string; sha256: string }>): Promise<number> {
    this.assertOpen();
    if (found.length === 0) return 0;
    return this.write('intent confirm', () => this.intentRows.confirm(found, new Date().toISOString()));
  }

  async claim(key: string, owner: ClaimOwner): Promise<boolean> {
    this.assertOpen();
    return this.write('claim', () => this.claims.claim(key, owner, Date.now(), this.claimLeaseMs));
  }

  async renewClaims(owner: ClaimOwner): Promise<void> {
    this.assertOpen();
    this.write('claim renewal', () => this.claims.renew(owner, Date.now() + this.claimLeaseMs));
  }

  async release(owner: ClaimOwner, key?: string): Promise<void> {
    this.assertOpen();
    this.write('claim release', () => this.claims.release(owner, key));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private write<T>(op: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw sqliteError(op, error);
    }
  }

  private assertOpen(): void {
    if (this.closed)
      throw new AppError(harvesterErrorCodes.ledgerClosed, 'the harvest ledger is closed', { retriable: false });
  }
}

/** Opens (creating when needed) the ledger file. */
export async function openHarvestLedger(options: {
  path: string;
  claimLeaseMs?: number;
}): Promise<SqliteHarvestLedger> {
  try {
    await mkdir(path.dirname(path.resolve(options.path)), { recursive: true });
    const db = new Database(options.path);
    db.pragma('journal_mode = WAL');
    // NORMAL: a power cut may lose the last rows, which only means re-producing those tiles (at-least-once).
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      db.close();
      throw new AppError(
        harvesterErrorCodes.ledgerTooNew,
        `harvest ledger ${options.path} has schema ${version}; this build knows ${SCHEMA_VERSION}`,
        { retriable: false },
      );
    }
    db.exec(`CREATE TABLE IF NOT EXISTS harvest_tiles (
      key TEXT PRIMARY KEY,
      status TEXT NOT NULL CHECK (status IN ('produced', 'blank', 'failed')),
      etag TEXT, sha256 TEXT, blob_key TEXT, bytes INTEGER, code TEXT, reason TEXT,
      updated_at TEXT NOT NULL,
      CHECK (status = 'failed' OR sha256 IS NOT NULL),
      CHECK (status <> 'produced' OR blob_key IS NOT NULL)
    ) WITHOUT ROWID`);
    db.exec(`CREATE TABLE IF NOT EXISTS harvest_claims (
      key TEXT PRIMARY KEY, owner TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, expires_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    db.exec('CREATE INDEX IF NOT EXISTS harvest_claims_owner ON harvest_claims (owner)');
    db.exec(`CREATE TABLE IF NOT EXISTS harvest_intents (
      key TEXT PRIMARY KEY, point_id TEXT NOT NULL, sha256 TEXT NOT NULL, etag TEXT, blob_key TEXT NOT NULL,
      bytes INTEGER NOT NULL, created_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return new SqliteHarvestLedger(db, { claimLeaseMs: options.claimLeaseMs });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw sqliteError(`open ${options.path}`, error);
  }
}

function toEntry(row: Row): LedgerEntry {
  return {
    key: row.key,
    status: row.status,
    ...(row.etag !== null ? { etag: row.etag } : {}),
    ...(row.sha256 !== null ? { sha256: row.sha256 } : {}),
    ...(row.blob_key !== null ? { blobKey: row.blob_key } : {}),
    ...(row.bytes !== null ? { bytes: row.bytes } : {}),
    ...(row.code !== null ? { code: row.code } : {}),
    ...(row.reason !== null ? { reason: row.reason } : {}),
    updatedAt: row.updated_at,
  };
}

function sqliteError(op: string, error: unknown): AppError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'UNKNOWN';
  // Busy/locked/full may pass; corruption or a bad path will not.
  const retriable = /SQLITE_(BUSY|LOCKED|FULL|IOERR)/.test(code);
  return new AppError(harvesterErrorCodes.ledgerIo, `harvest ledger ${op} failed: ${code}`, {
    retriable,
    cause: error,
  });
}
