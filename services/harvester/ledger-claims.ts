import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

/** Who holds a claim: one harvest run. `pid` and `host` let another process see that the owner died. */
export interface ClaimOwner {
  /** unique per harvest run */
  id: string;
  pid: number;
  host: string;
}

/** A fresh owner for one harvest run of this process. */
export function newClaimOwner(): ClaimOwner {
  const host = os.hostname();
  return { id: `${host}/${process.pid}/${randomUUID()}`, pid: process.pid, host };
}

/** Whether a process of this host is alive; EPERM means it lives under another user. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface ClaimRow {
  owner: string;
  pid: number;
  host: string;
  expires_at: number;
}

export interface ClaimStatements {
  claim(key: string, owner: ClaimOwner, now: number, leaseMs: number): boolean;
  renew(owner: ClaimOwner, expiresAt: number): void;
  release(owner: ClaimOwner, key?: string): void;
}

/** The harvest_claims table's statements; every method runs synchronously in its own transaction. */
export function createClaimStatements(db: Database.Database): ClaimStatements {
  const select = db.prepare<[string], ClaimRow>(
    'SELECT owner, pid, host, expires_at FROM harvest_claims WHERE key = ?',
  );
  const upsert = db.prepare<[string, string, number, string, number]>(
    `INSERT INTO harvest_claims (key, owner, pid, host, expires_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host, expires_at = excluded.expires_at`,
  );
  const renew = db.prepare<[number, string]>('UPDATE harvest_claims SET expires_at = ? WHERE owner = ?');
  const releaseOne = db.prepare<[string, string]>('DELETE FROM harvest_claims WHERE key = ? AND owner = ?');
  const releaseAll = db.prepare<[string]>('DELETE FROM harvest_claims WHERE owner = ?');
  const claim = db.transaction((key: string, owner: ClaimOwner, now: number, leaseMs: number): boolean => {
    const held = select.get(key);
    // A claim of another owner stands while its lease runs and its process (when on this host) lives.
    const standing =
      held && held.owner !== owner.id && held.expires_at > now && (held.host !== owner.host || processAlive(held.pid));
    if (standing) return false;
    upsert.run(key, owner.id, owner.pid, owner.host, now + leaseMs);
    return true;
  });
  return {
    // IMMEDIATE: take the write lock before reading, so two harvests cannot both see the tile free.
    claim: (key, owner, now, leaseMs) => claim.immediate(key, owner, now, leaseMs),
    renew: (owner, expiresAt) => void renew.run(expiresAt, owner.id),
    release: (owner, key) => void (key === undefined ? releaseAll.run(owner.id) : releaseOne.run(key, owner.id)),
  };
}
