import Database from 'better-sqlite3';
import { alertError, alertErrorCodes } from './alert-errors.js';

/**
 * The alert store's tables. Rules keep their ordering in an integer `seq` (listRules: oldest first) and their
 * reference image bytes in a table of their own, so listing rules never reads images. Reference vectors are
 * one float32 BLOB per (rule, model, revision, position). The history's `seq` is AUTOINCREMENT so an alert id
 * (the live stream's Last-Event-ID) is never reused; UNIQUE (rule_id, tile_id, sha256) makes recordAlert
 * idempotent. Deliveries hang off alerts; their attempts are rows appended to `alert_delivery_attempts`.
 * The version is PRAGMA user_version: 0 (a new file) gets the tables, a higher one than this code's is refused.
 */
export const ALERT_SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE alert_rules (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  threshold REAL NOT NULL,
  filter TEXT,
  cooldown_seconds INTEGER NOT NULL,
  webhook_url TEXT,
  webhook_secret TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE alert_rule_references (
  rule_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  kind TEXT NOT NULL,
  tile_id TEXT,
  label TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (rule_id, position)
) WITHOUT ROWID;
CREATE TABLE alert_reference_images (
  rule_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  image BLOB NOT NULL,
  PRIMARY KEY (rule_id, position)
);
CREATE TABLE alert_reference_vectors (
  rule_id TEXT NOT NULL,
  model TEXT NOT NULL,
  revision INTEGER NOT NULL,
  position INTEGER NOT NULL,
  vector BLOB NOT NULL,
  PRIMARY KEY (rule_id, model, revision, position)
);
CREATE TABLE alert_scored_tiles (
  tile_id TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  model TEXT NOT NULL,
  scored_at TEXT NOT NULL,
  PRIMARY KEY (tile_id, sha256)
) WITHOUT ROWID;
CREATE TABLE alert_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  rule_id TEXT NOT NULL,
  tile_id TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  model TEXT NOT NULL,
  score REAL NOT NULL,
  payload TEXT NOT NULL,
  alerted_at TEXT NOT NULL,
  alerted_ms INTEGER NOT NULL,
  UNIQUE (rule_id, tile_id, sha256)
);
CREATE INDEX alert_history_rule_time ON alert_history (rule_id, alerted_ms);
CREATE INDEX alert_history_rule_seq ON alert_history (rule_id, seq);
CREATE TABLE alert_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  alert_seq INTEGER NOT NULL,
  rule_id TEXT NOT NULL,
  url TEXT NOT NULL,
  state TEXT NOT NULL,
  next_attempt_ms INTEGER,
  created_at TEXT NOT NULL
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_attempt_ms, seq);
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_seq);
CREATE INDEX alert_deliveries_rule ON alert_deliveries (rule_id, seq);
CREATE TABLE alert_delivery_attempts (
  delivery_seq INTEGER NOT NULL,
  n INTEGER NOT NULL,
  at TEXT NOT NULL,
  status INTEGER,
  error TEXT,
  duration_ms REAL NOT NULL,
  PRIMARY KEY (delivery_seq, n)
) WITHOUT ROWID;
`;

/**
 * Opens (creating if needed) the file: WAL so readers never block the writer, synchronous=FULL so a call that
 * returned is on disk, busy_timeout so the API and the alerters can share the file. The schema is created in
 * an IMMEDIATE transaction, so two processes opening a new file at once do not both create it.
 */
export function openAlertDatabase(options: { path: string; busyTimeoutMs: number }): Database.Database {
  const db = new Database(options.path, { timeout: options.busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = OFF');
    db.transaction(() => {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === ALERT_SCHEMA_VERSION) return;
      if (version > ALERT_SCHEMA_VERSION)
        throw alertError(
          alertErrorCodes.schemaMismatch,
          `alert store ${options.path} has schema version ${version}, this code reads ${ALERT_SCHEMA_VERSION}`,
        );
      if (version === 0) {
        const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as {
          n: number;
        };
        if (tables.n > 0)
          throw alertError(
            alertErrorCodes.corrupt,
            `${options.path} holds ${tables.n} tables but no alert store schema version: not an alert store`,
          );
        db.exec(DDL);
        db.pragma(`user_version = ${ALERT_SCHEMA_VERSION}`);
      }
    }).immediate();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
