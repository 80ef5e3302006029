import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { apiKeyErrorCodes } from './api-key-errors.js';
import { ROLES, type Role } from './roles.js';

/** What a key is known by (never its secret: only its hash is kept). */
export interface ApiKeyInfo {
  id: string;
  name: string;
  role: Role;
  /** RFC 3339 */
  createdAt: string;
  /** RFC 3339; null before first use (updated at most once a minute) */
  lastUsedAt: string | null;
  revoked: boolean;
}

/** A key as it is handed out: `key` is shown this once. */
export interface CreatedApiKey {
  id: string;
  key: string;
  role: Role;
  name: string;
}

const KEY_PREFIX = 'gek_';
/** gek_ + 32 random bytes in base64url (43 characters, no padding) */
const KEY_PATTERN = /^gek_[A-Za-z0-9_-]{43}$/;
const MAX_NAME = 200;
/** last_used_at is written at most this often per key: one fsync per request would cap the API's rate */
const LAST_USED_RESOLUTION_MS = 60_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('read', 'write', 'admin')),
  hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked INTEGER NOT NULL DEFAULT 0
);`;

interface KeyRow {
  id: string;
  name: string;
  role: Role;
  created_at: string;
  last_used_at: string | null;
  revoked: number;
}

/**
 * API keys in SQLite (better-sqlite3, WAL): the CLI creates and revokes them while a server reads them, each
 * from its own process, and a revocation holds from the next request on (keys are looked up per request, not
 * cached).
 *
 * Keys are stored as SHA-256 hashes only. A fast unsalted hash is right here: keys are 256 random bits, so
 * neither a dictionary nor brute force can reverse one, and a lookup by hash costs one index probe per
 * request (a slow password hash would cost ~100 ms per request and protect nothing more).
 */
export class ApiKeyStore {
  private readonly db: Database.Database;
  private readonly lastWritten = new Map<string, number>();

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Opens (creating when missing) the key file at `file`. */
  static open(file: string): ApiKeyStore {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      return new ApiKeyStore(db);
    } catch (error) {
      throw new AppError(apiKeyErrorCodes.io, `cannot open the API key store ${file}: ${String(error)}`, {
        retriable: false,
        cause: error,
      });
    }
  }

  /** A new key with `role`; its secret is returned here only. */
  create(role: Role, name = '', now = new Date()): CreatedApiKey {
    if (!ROLES.includes(role)) throw new ValidationError(`role must be one of ${ROLES.join(', ')}, got ${role}`);
    if (name.length > MAX_NAME) throw new ValidationError(`name is ${name.length} characters, at most ${MAX_NAME}`);
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    this.op('create a key', () =>
      this.db
        .prepare('INSERT INTO api_keys (id, name, role, hash, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, name, role, hashKey(key), now.toISOString()),
    );
    return { id, key, role, name };
  }

  /** The key's identity, or undefined when it is malformed, unknown or revoked; records its use. */
  verify(key: string, now = new Date()): ApiKeyInfo | undefined {
    if (!KEY_PATTERN.test(key)) return undefined;
    const row = this.op('look up a key', () =>
      this.db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE hash = ? AND revoked = 0').get(hashKey(key)),
    );
    if (row === undefined) return undefined;
    const last = this.lastWritten.get(row.id) ?? 0;
    if (now.getTime() - last >= LAST_USED_RESOLUTION_MS) {
      this.lastWritten.set(row.id, now.getTime());
      row.last_used_at = now.toISOString();
      this.op('record a key use', () =>
        this.db.prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(row.last_used_at, row.id),
      );
    }
    return toInfo(row);
  }

  /** Every key, oldest first; revoked ones only with `includeRevoked`. */
  list(options: { includeRevoked?: boolean } = {}): ApiKeyInfo[] {
    const rows = this.op('list keys', () =>
      this.db
        .prepare<[], KeyRow>(
          `SELECT * FROM api_keys ${options.includeRevoked ? '' : 'WHERE revoked = 0'} ORDER BY created_at, id`,
        )
        .all(),
    );
    return rows.map(toInfo);
  }

  /** Revokes the key; false when there is no such (unrevoked) key. */
  revoke(id: string): boolean {
    const result = this.op('revoke a key', () =>
      this.db.prepare('UPDATE api_keys SET revoked = 1 WHERE id = ? AND revoked = 0').run(id),
    );
    return result.changes === 1;
  }

  /** Whether the file answers (the API's readiness). */
  ping(): boolean {
    return this.op('ping', () => this.db.prepare('SELECT 1 AS ok').get() !== undefined);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** A driver error as an AppError: busy or locked may pass (retriable), anything else not. */
  private op<T>(what: string, run: () => T): T {
    try {
      return run();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const busy = typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
      throw new AppError(apiKeyErrorCodes.io, `API key store: cannot ${what}: ${String(error)}`, {
        retriable: busy,
        cause: error,
      });
    }
  }
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function toInfo(row: KeyRow): ApiKeyInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revoked: row.revoked === 1,
  };
}
