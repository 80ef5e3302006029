import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { TilePayload } from '../store/index.js';
import type { AlertRecord, Delivery, DeliveryAttempt, NewAlert, RecordAlertResult } from './alert-store.js';
import { alertError, alertErrorCodes } from './alert-errors.js';
import { parseStoredJson, prepared } from './sqlite-alert-op.js';

/** The history and delivery half of SqliteAlertStore: synchronous, on checked arguments, inside the caller's transaction. */

interface AlertRow {
  seq: number;
  rule_id: string;
  tile_id: string;
  sha256: string;
  model: string;
  score: number;
  payload: string;
  alerted_at: string;
}

interface DeliveryRow {
  seq: number;
  id: string;
  alert_seq: number;
  rule_id: string;
  url: string;
  state: Delivery['state'];
  next_attempt_ms: number | null;
}

interface AttemptRow {
  delivery_seq: number;
  at: string;
  status: number | null;
  error: string | null;
  duration_ms: number;
}

const ALERT_COLUMNS = 'seq, rule_id, tile_id, sha256, model, score, payload, alerted_at';
const DELIVERY_COLUMNS = 'seq, id, alert_seq, rule_id, url, state, next_attempt_ms';

function toAlert(row: AlertRow): AlertRecord {
  return {
    id: String(row.seq),
    ruleId: row.rule_id,
    tileId: row.tile_id,
    sha256: row.sha256,
    model: row.model,
    score: row.score,
    payload: parseStoredJson<TilePayload>(row.payload, `payload of alert ${row.seq}`),
    alertedAt: row.alerted_at,
  };
}

/**
 * Unknown rule, then duplicate (same rule, tile and bytes; answered with the alert recorded then), then cooldown:
 * an alert of the rule with alerted_ms > new - cooldown (so a new alert exactly `cooldownSeconds` after the last
 * one is recorded; a cooldown of 0 never silences). Must run in an IMMEDIATE transaction so the checks and the
 * insert are one step across processes.
 */
export function insertAlert(db: Database.Database, alert: NewAlert, alertedMs: number): RecordAlertResult {
  const rule = prepared(db, 'SELECT cooldown_seconds, webhook_url FROM alert_rules WHERE id = ?').get(alert.ruleId) as
    { cooldown_seconds: number; webhook_url: string | null } | undefined;
  if (rule === undefined) return { recorded: false, reason: 'unknown-rule' };
  const duplicate = prepared(
    db,
    `SELECT ${ALERT_COLUMNS} FROM alert_history WHERE rule_id = ? AND tile_id = ? AND sha256 = ?`,
  ).get(alert.ruleId, alert.tileId, alert.sha256) as AlertRow | undefined;
  if (duplicate !== undefined) return { recorded: false, reason: 'duplicate', alert: toAlert(duplicate) };
  if (rule.cooldown_seconds > 0) {
    const recent = prepared(db, 'SELECT 1 FROM alert_history WHERE rule_id = ? AND alerted_ms > ? LIMIT 1').get(
      alert.ruleId,
      alertedMs - rule.cooldown_seconds * 1000,
    );
    if (recent !== undefined) return { recorded: false, reason: 'cooldown' };
  }
  const { lastInsertRowid } = prepared(
    db,
    `INSERT INTO alert_history (rule_id, tile_id, sha256, model, score, payload, alerted_at, alerted_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    alert.ruleId,
    alert.tileId,
    alert.sha256,
    alert.model,
    alert.score,
    JSON.stringify(alert.payload),
    alert.alertedAt,
    alertedMs,
  );
  const seq = Number(lastInsertRowid);
  if (rule.webhook_url !== null) {
    prepared(
      db,
      `INSERT INTO alert_deliveries (id, alert_seq, rule_id, url, state, next_attempt_ms, created_at)
         VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
    ).run(randomUUID(), seq, alert.ruleId, rule.webhook_url, alertedMs, alert.alertedAt);
  }
  return { recorded: true, alert: { id: String(seq), ...alert } };
}

export function selectAlerts(
  db: Database.Database,
  query: { ruleId?: string; after: number; limit: number },
): AlertRecord[] {
  const rows =
    query.ruleId === undefined
      ? prepared(db, `SELECT ${ALERT_COLUMNS} FROM alert_history WHERE seq > ? ORDER BY seq LIMIT ?`).all(
          query.after,
          query.limit,
        )
      : prepared(
          db,
          `SELECT ${ALERT_COLUMNS} FROM alert_history WHERE rule_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
        ).all(query.ruleId, query.after, query.limit);
  return (rows as AlertRow[]).map(toAlert);
}

export function selectAlert(db: Database.Database, seq: number): AlertRecord | undefined {
  const row = prepared(db, `SELECT ${ALERT_COLUMNS} FROM alert_history WHERE seq = ?`).get(seq) as AlertRow | undefined;
  return row === undefined ? undefined : toAlert(row);
}

function withAttempts(db: Database.Database, rows: DeliveryRow[]): Delivery[] {
  if (rows.length === 0) return [];
  const attempts = new Map<number, DeliveryAttempt[]>();
  const select = prepared(
    db,
    'SELECT delivery_seq, at, status, error, duration_ms FROM alert_delivery_attempts WHERE delivery_seq = ? ORDER BY n',
  );
  for (const row of rows) {
    attempts.set(
      row.seq,
      (select.all(row.seq) as AttemptRow[]).map((a) => {
        const attempt: DeliveryAttempt = { at: a.at, durationMs: a.duration_ms };
        if (a.status !== null) attempt.status = a.status;
        if (a.error !== null) attempt.error = a.error;
        return attempt;
      }),
    );
  }
  return rows.map((row) => ({
    id: row.id,
    alertId: String(row.alert_seq),
    ruleId: row.rule_id,
    url: row.url,
    state: row.state,
    attempts: attempts.get(row.seq) ?? [],
    nextAttemptAt:
      row.state === 'pending' && row.next_attempt_ms !== null ? new Date(row.next_attempt_ms).toISOString() : null,
  }));
}

/**
 * Pending deliveries due at `nowMs`, oldest first, claimed: their next attempt moves to now + leaseMs inside the
 * same IMMEDIATE transaction, so a second alerter does not send them too; one that dies mid-delivery leaves them
 * due again when the lease runs out. Returned as they were before the claim.
 */
export function claimDueDeliveries(db: Database.Database, nowMs: number, limit: number, leaseMs: number): Delivery[] {
  const rows = prepared(
    db,
    `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries
       WHERE state = 'pending' AND next_attempt_ms <= ? ORDER BY seq LIMIT ?`,
  ).all(nowMs, limit) as DeliveryRow[];
  const claim = prepared(db, 'UPDATE alert_deliveries SET next_attempt_ms = ? WHERE seq = ?');
  for (const row of rows) claim.run(nowMs + leaseMs, row.seq);
  return withAttempts(db, rows);
}

/** Appends the attempt; a delivery already delivered or failed keeps its state (e.g. failed by deleteRule). */
export function appendAttempt(
  db: Database.Database,
  deliveryId: string,
  attempt: DeliveryAttempt,
  outcome: { state: 'delivered' | 'failed'; nextAttemptMs?: undefined } | { state: 'pending'; nextAttemptMs: number },
): void {
  const row = prepared(db, 'SELECT seq, state FROM alert_deliveries WHERE id = ?').get(deliveryId) as
    { seq: number; state: Delivery['state'] } | undefined;
  if (row === undefined)
    throw alertError(alertErrorCodes.unknownDelivery, `no delivery ${JSON.stringify(deliveryId)} in the alert store`);
  const { n } = prepared(db, 'SELECT count(*) AS n FROM alert_delivery_attempts WHERE delivery_seq = ?').get(
    row.seq,
  ) as { n: number };
  prepared(
    db,
    'INSERT INTO alert_delivery_attempts (delivery_seq, n, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)',
  ).run(row.seq, n + 1, attempt.at, attempt.status ?? null, attempt.error ?? null, attempt.durationMs);
  if (row.state !== 'pending') return;
  prepared(db, 'UPDATE alert_deliveries SET state = ?, next_attempt_ms = ? WHERE seq = ?').run(
    outcome.state,
    outcome.state === 'pending' ? outcome.nextAttemptMs : null,
    row.seq,
  );
}

export function selectDeliveries(
  db: Database.Database,
  query: { alertSeq?: number; ruleId?: string; limit: number },
): Delivery[] {
  const where: string[] = [];
  const args: Array<string | number> = [];
  if (query.alertSeq !== undefined) {
    where.push('alert_seq = ?');
    args.push(query.alertSeq);
  }
  if (query.ruleId !== undefined) {
    where.push('rule_id = ?');
    args.push(query.ruleId);
  }
  const sql = `SELECT ${DELIVERY_COLUMNS} FROM alert_deliveries ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY seq LIMIT ?`;
  return withAttempts(db, prepared(db, sql).all(...args, query.limit) as DeliveryRow[]);
}

export function selectScored(db: Database.Database, tileId: string, sha256: string): boolean {
  return (
    prepared(db, 'SELECT 1 FROM alert_scored_tiles WHERE tile_id = ? AND sha256 = ?').get(tileId, sha256) !== undefined
  );
}

export function upsertScored(
  db: Database.Database,
  tileId: string,
  sha256: string,
  model: string,
  atIso: string,
): void {
  prepared(
    db,
    `INSERT INTO alert_scored_tiles (tile_id, sha256, model, scored_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tile_id, sha256) DO UPDATE SET model = excluded.model, scored_at = excluded.scored_at`,
  ).run(tileId, sha256, model, atIso);
}
