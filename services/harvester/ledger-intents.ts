import type Database from 'better-sqlite3';

/** A tile whose `tiles.fetched` message is about to be produced: its future 'produced' row, and the message id. */
export interface IntentRecord {
  key: string;
  /** the message key (the tile's point id), to find the message on the bus */
  pointId: string;
  sha256: string;
  etag?: string;
  blobKey: string;
  bytes: number;
}

export interface IntentEntry extends IntentRecord {
  /** ms since the epoch, when the intent was written (the message, if produced, is newer) */
  createdAt: number;
}

interface IntentRow {
  key: string;
  point_id: string;
  sha256: string;
  etag: string | null;
  blob_key: string;
  bytes: number;
  created_at: number;
}

export interface IntentStatements {
  write(intents: IntentRecord[]): void;
  list(prefix: string): IntentEntry[];
  confirm(found: Array<{ key: string; sha256: string }>, now: string): number;
  /** inside the caller's transaction */
  clear(key: string): void;
}

/** The harvest_intents table's statements. */
export function createIntentStatements(db: Database.Database): IntentStatements {
  const upsert = db.prepare<[string, string, string, string | null, string, number, number]>(
    `INSERT INTO harvest_intents (key, point_id, sha256, etag, blob_key, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET point_id = excluded.point_id, sha256 = excluded.sha256, etag = excluded.etag,
       blob_key = excluded.blob_key, bytes = excluded.bytes, created_at = excluded.created_at`,
  );
  const list = db.prepare<[string, string], IntentRow>('SELECT * FROM harvest_intents WHERE key >= ? AND key < ?');
  const select = db.prepare<[string], IntentRow>('SELECT * FROM harvest_intents WHERE key = ?');
  const remove = db.prepare<[string]>('DELETE FROM harvest_intents WHERE key = ?');
  const produced = db.prepare<[string, string | null, string, string, number, string]>(
    `INSERT INTO harvest_tiles (key, status, etag, sha256, blob_key, bytes, code, reason, updated_at)
     VALUES (?, 'produced', ?, ?, ?, ?, NULL, NULL, ?)
     ON CONFLICT (key) DO UPDATE SET status = 'produced', etag = excluded.etag, sha256 = excluded.sha256,
       blob_key = excluded.blob_key, bytes = excluded.bytes, code = NULL, reason = NULL, updated_at = excluded.updated_at`,
  );
  const write = db.transaction((intents: IntentRecord[]) => {
    const now = Date.now();
    for (const i of intents) upsert.run(i.key, i.pointId, i.sha256, i.etag ?? null, i.blobKey, i.bytes, now);
  });
  const confirm = db.transaction((found: Array<{ key: string; sha256: string }>, now: string): number => {
    let confirmed = 0;
    for (const f of found) {
      const row = select.get(f.key);
      if (!row || row.sha256 !== f.sha256) continue;
      produced.run(row.key, row.etag, row.sha256, row.blob_key, row.bytes, now);
      remove.run(row.key);
      confirmed++;
    }
    return confirmed;
  });
  return {
    write: (intents) => write(intents),
    list: (prefix) =>
      list.all(...keyPrefixRange(prefix)).map((r) => ({
        key: r.key,
        pointId: r.point_id,
        sha256: r.sha256,
        ...(r.etag !== null ? { etag: r.etag } : {}),
        blobKey: r.blob_key,
        bytes: r.bytes,
        createdAt: r.created_at,
      })),
    confirm: (found, now) => confirm(found, now),
    clear: (key) => void remove.run(key),
  };
}

/**
 * The bounds [prefix, prefix + U+FFFF) of every key starting with `prefix`, for a range scan on a primary key:
 * LIKE would treat '_' in layer names as a wildcard and could not use the index.
 */
export function keyPrefixRange(prefix: string): [string, string] {
  return [prefix, `${prefix}\uffff`];
}
