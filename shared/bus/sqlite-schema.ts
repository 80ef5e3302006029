import Database from 'better-sqlite3';

/**
 * The SQLite log's tables. Messages live in one WITHOUT ROWID table keyed by (topic, partition, offset),
 * so an append is one b-tree insert and a fetch is one range scan. `bus_partitions` holds each
 * partition's head (next offset), tail (oldest retained offset), byte count and last timestamp; appends
 * update it in the same transaction, so offsets are gap-free and never reused, across processes too.
 * Group state: committed offsets, members with heartbeat leases, and which member owns each partition.
 */
export const SCHEMA_VERSION = 1;

const DDL = `
CREATE TABLE IF NOT EXISTS bus_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bus_topics (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  partitions INTEGER NOT NULL,
  max_age_ms REAL,
  max_bytes REAL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bus_partitions (
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  start_offset INTEGER NOT NULL DEFAULT 0,
  next_offset INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  last_ts INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (topic_id, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bus_messages (
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  key TEXT,
  headers TEXT,
  value BLOB NOT NULL,
  PRIMARY KEY (topic_id, partition, offset)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bus_group_offsets (
  group_id TEXT NOT NULL,
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  committed_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic_id, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bus_members (
  group_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  instance TEXT NOT NULL,
  topics TEXT NOT NULL,
  lease_until INTEGER NOT NULL,
  joined_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bus_owners (
  group_id TEXT NOT NULL,
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  member_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic_id, partition)
) WITHOUT ROWID;
`;

export interface OpenLogOptions {
  path: string;
  /** how long a writer waits for another connection's lock before failing with a retriable error */
  busyTimeoutMs: number;
}

/**
 * Opens (creating if needed) the log file: WAL so readers never block the writer, synchronous=FULL so a
 * transaction that returned is on disk, busy_timeout so several processes can share the file.
 */
export function openLogDatabase(options: OpenLogOptions): Database.Database {
  const db = new Database(options.path, { timeout: options.busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = OFF');
    db.transaction(() => {
      db.exec(DDL);
      const row = db.prepare('SELECT value FROM bus_meta WHERE key = ?').get('schema_version') as
        { value: string } | undefined;
      if (row === undefined)
        db.prepare('INSERT INTO bus_meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
      else if (Number(row.value) !== SCHEMA_VERSION)
        throw new Error(`bus log schema version ${row.value}, this code reads ${SCHEMA_VERSION}`);
    }).immediate();
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
