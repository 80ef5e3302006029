import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ValidationError } from '../errors/index.js';
import type {
  AlertRecord,
  AlertRule,
  AlertRulePatch,
  AlertStore,
  Delivery,
  DeliveryAttempt,
  NewAlert,
  NewAlertRule,
  RecordAlertResult,
  ScoredTile,
} from './alert-store.js';
import { alertError, alertErrorCodes } from './alert-errors.js';
import {
  checkDate,
  checkInstant,
  checkLimit,
  checkNewAlert,
  checkNewRule,
  checkNonEmpty,
  checkPatch,
  checkRevision,
  checkSha256,
  checkVectors,
  parseSequence,
} from './alert-validation.js';
import {
  appendAttempt,
  claimDueDeliveries,
  insertAlert,
  selectAlert,
  selectAlerts,
  selectDeliveries,
  selectScored,
  upsertScored,
} from './sqlite-alert-history.js';
import { alertSqliteOp } from './sqlite-alert-op.js';
import {
  insertRule,
  patchRule,
  readReferenceImages,
  readReferenceVectors,
  readRule,
  readRules,
  readWebhookSecret,
  removeRule,
  writeReferenceVectors,
} from './sqlite-alert-rules.js';
import { openAlertDatabase } from './sqlite-alert-schema.js';

export interface SqliteAlertStoreOptions {
  /** the database file; its folder is created if missing. Several processes may open the same file. */
  path: string;
  /** wait for another connection's write lock this long before failing with a retriable ALERTS_BUSY (default 5000) */
  busyTimeoutMs?: number;
  /**
   * dueDeliveries claims what it returns for this long (default 15 min): another alerter does not send those
   * deliveries meanwhile, and if the claimer dies they come due again after it. Longer than a batch of attempts.
   */
  deliveryLeaseMs?: number;
}

/** Longest error text kept per delivery attempt: enough to diagnose, not a response body archive. */
const MAX_ATTEMPT_ERROR = 2000;

/**
 * The AlertStore on one SQLite file (better-sqlite3, WAL, synchronous=FULL): when a call resolves its write is
 * on disk. Writes that read first (recordAlert, updates, claims) run in BEGIN IMMEDIATE transactions, so the API
 * and any number of alerters may share the file and recordAlert stays atomic across processes. Calls are
 * synchronous underneath: each blocks the event loop for its transaction (up to busyTimeoutMs under contention).
 */
export class SqliteAlertStore implements AlertStore {
  private db: Database.Database | undefined;

  private constructor(
    db: Database.Database,
    private readonly deliveryLeaseMs: number,
  ) {
    this.db = db;
  }

  static async open(options: SqliteAlertStoreOptions): Promise<SqliteAlertStore> {
    const file = options?.path;
    if (typeof file !== 'string' || file.length === 0) throw new ValidationError('alert store needs a file path');
    const lease = options.deliveryLeaseMs ?? 15 * 60_000;
    if (!Number.isSafeInteger(lease) || lease < 1)
      throw new ValidationError(`deliveryLeaseMs must be an integer >= 1, got ${String(lease)}`);
    if (file !== ':memory:') {
      await alertSqliteOpAsync('open', () => mkdir(path.dirname(path.resolve(file)), { recursive: true }));
    }
    const db = alertSqliteOp('open', () =>
      openAlertDatabase({ path: file, busyTimeoutMs: options.busyTimeoutMs ?? 5000 }),
    );
    return new SqliteAlertStore(db, lease);
  }

  async createRule(rule: NewAlertRule, now: Date): Promise<{ rule: AlertRule; webhookSecret: string }> {
    const checked = checkNewRule(rule);
    const nowIso = new Date(checkDate('now', now)).toISOString();
    return this.write('createRule', (db) => insertRule(db, checked, nowIso));
  }

  async getRule(id: string): Promise<AlertRule | undefined> {
    checkNonEmpty('id', id);
    return this.read('getRule', (db) => readRule(db, id));
  }

  async listRules(): Promise<AlertRule[]> {
    return this.read('listRules', (db) => readRules(db));
  }

  async updateRule(id: string, patch: AlertRulePatch, now: Date): Promise<AlertRule | undefined> {
    checkNonEmpty('id', id);
    checkPatch(patch);
    const nowIso = new Date(checkDate('now', now)).toISOString();
    return this.write('updateRule', (db) => patchRule(db, id, patch, nowIso));
  }

  async deleteRule(id: string): Promise<boolean> {
    checkNonEmpty('id', id);
    return this.write('deleteRule', (db) => removeRule(db, id));
  }

  async referenceImages(ruleId: string): Promise<Array<{ label: string; bytes: Uint8Array }>> {
    checkNonEmpty('ruleId', ruleId);
    return this.read('referenceImages', (db) => readReferenceImages(db, ruleId));
  }

  async webhookSecret(ruleId: string): Promise<string | undefined> {
    checkNonEmpty('ruleId', ruleId);
    return this.read('webhookSecret', (db) => readWebhookSecret(db, ruleId));
  }

  async getReferenceVectors(ruleId: string, model: string, revision: number): Promise<Float32Array[] | undefined> {
    checkNonEmpty('ruleId', ruleId);
    checkNonEmpty('model', model);
    checkRevision(revision);
    return this.read('getReferenceVectors', (db) => readReferenceVectors(db, ruleId, model, revision));
  }

  async putReferenceVectors(ruleId: string, model: string, revision: number, vectors: Float32Array[]): Promise<void> {
    checkNonEmpty('ruleId', ruleId);
    checkNonEmpty('model', model);
    checkRevision(revision);
    checkVectors(vectors);
    this.write('putReferenceVectors', (db) => writeReferenceVectors(db, ruleId, model, revision, vectors));
  }

  async wasScored(tileId: string, sha256: string): Promise<boolean> {
    checkNonEmpty('tileId', tileId);
    checkSha256('sha256', sha256);
    return this.read('wasScored', (db) => selectScored(db, tileId, sha256));
  }

  async markScored(tileId: string, sha256: string, model: string, now: Date): Promise<void> {
    checkNonEmpty('tileId', tileId);
    checkSha256('sha256', sha256);
    checkNonEmpty('model', model);
    const nowIso = new Date(checkDate('now', now)).toISOString();
    this.write('markScored', (db) => upsertScored(db, tileId, sha256, model, nowIso));
  }

  async markScoredMany(items: readonly ScoredTile[], now: Date): Promise<void> {
    if (!Array.isArray(items)) throw new ValidationError(`items must be an array, got ${typeof items}`);
    const checked = items.map((item: unknown, i) => {
      if (typeof item !== 'object' || item === null) throw new ValidationError(`items[${i}] must be an object`);
      const { tileId, sha256, model } = item as Partial<ScoredTile>;
      return {
        tileId: checkNonEmpty(`items[${i}].tileId`, tileId),
        sha256: checkSha256(`items[${i}].sha256`, sha256),
        model: checkNonEmpty(`items[${i}].model`, model),
      };
    });
    const nowIso = new Date(checkDate('now', now)).toISOString();
    // nothing to write takes no write lock, but a closed store still says so
    if (checked.length === 0) return void this.requireDb();
    this.write('markScoredMany', (db) => {
      for (const item of checked) upsertScored(db, item.tileId, item.sha256, item.model, nowIso);
    });
  }

  async recordAlert(alert: NewAlert): Promise<RecordAlertResult> {
    const checked = checkNewAlert(alert);
    return this.write('recordAlert', (db) => insertAlert(db, checked.alert, checked.alertedMs));
  }

  async listAlerts(query: { ruleId?: string; after?: string; limit: number }): Promise<AlertRecord[]> {
    if (typeof query !== 'object' || query === null) throw new ValidationError('listAlerts needs a query object');
    const limit = checkLimit('limit', query.limit);
    const after = query.after === undefined ? 0 : parseSequence('after', query.after);
    if (query.ruleId !== undefined) checkNonEmpty('ruleId', query.ruleId);
    return this.read('listAlerts', (db) => selectAlerts(db, { ruleId: query.ruleId, after, limit }));
  }

  async getAlert(id: string): Promise<AlertRecord | undefined> {
    checkNonEmpty('id', id);
    // an id that is not a sequence number names no alert (the API answers 404, not 400)
    const seq = /^(0|[1-9]\d{0,15})$/.test(id) ? Number(id) : -1;
    return this.read('getAlert', (db) => selectAlert(db, seq));
  }

  async dueDeliveries(now: Date, limit: number): Promise<Delivery[]> {
    const nowMs = checkDate('now', now);
    checkLimit('limit', limit);
    return this.write('dueDeliveries', (db) => claimDueDeliveries(db, nowMs, limit, this.deliveryLeaseMs));
  }

  async recordAttempt(
    deliveryId: string,
    attempt: DeliveryAttempt,
    outcome: { state: 'delivered' | 'failed' } | { state: 'pending'; nextAttemptAt: Date },
  ): Promise<void> {
    checkNonEmpty('deliveryId', deliveryId);
    const checked = checkAttempt(attempt);
    if (typeof outcome !== 'object' || outcome === null) throw new ValidationError('outcome must be an object');
    let next: { state: 'delivered' | 'failed' } | { state: 'pending'; nextAttemptMs: number };
    if (outcome.state === 'pending')
      next = { state: 'pending', nextAttemptMs: checkDate('outcome.nextAttemptAt', outcome.nextAttemptAt) };
    else if (outcome.state === 'delivered' || outcome.state === 'failed') next = { state: outcome.state };
    else
      throw new ValidationError(
        `outcome.state must be delivered, failed or pending, got ${JSON.stringify(outcome.state)}`,
      );
    this.write('recordAttempt', (db) => appendAttempt(db, deliveryId, checked, next));
  }

  async listDeliveries(query: { alertId?: string; ruleId?: string; limit: number }): Promise<Delivery[]> {
    if (typeof query !== 'object' || query === null) throw new ValidationError('listDeliveries needs a query object');
    const limit = checkLimit('limit', query.limit);
    const alertSeq = query.alertId === undefined ? undefined : parseSequence('alertId', query.alertId);
    if (query.ruleId !== undefined) checkNonEmpty('ruleId', query.ruleId);
    return this.read('listDeliveries', (db) => selectDeliveries(db, { alertSeq, ruleId: query.ruleId, limit }));
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db !== undefined) alertSqliteOp('close', () => db.close());
  }

  private requireDb(): Database.Database {
    if (this.db === undefined) throw alertError(alertErrorCodes.closed, 'alert store is closed');
    return this.db;
  }

  /** a consistent snapshot (one deferred transaction) for reads that take several statements */
  private read<T>(operation: string, fn: (db: Database.Database) => T): T {
    const db = this.requireDb();
    return alertSqliteOp(operation, () => db.transaction(() => fn(db)).deferred());
  }

  /** BEGIN IMMEDIATE: the write lock is taken before the reads, so read-then-write is atomic across processes */
  private write<T>(operation: string, fn: (db: Database.Database) => T): T {
    const db = this.requireDb();
    return alertSqliteOp(operation, () => db.transaction(() => fn(db)).immediate());
  }
}

function checkAttempt(attempt: DeliveryAttempt): DeliveryAttempt {
  if (typeof attempt !== 'object' || attempt === null) throw new ValidationError('attempt must be an object');
  checkInstant('attempt.at', attempt.at);
  const out: DeliveryAttempt = { at: attempt.at, durationMs: attempt.durationMs };
  if (typeof attempt.durationMs !== 'number' || !Number.isFinite(attempt.durationMs) || attempt.durationMs < 0)
    throw new ValidationError(`attempt.durationMs must be a finite number >= 0, got ${String(attempt.durationMs)}`);
  if (attempt.status !== undefined) {
    if (!Number.isInteger(attempt.status) || attempt.status < 100 || attempt.status > 599)
      throw new ValidationError(`attempt.status must be an HTTP status 100..599, got ${String(attempt.status)}`);
    out.status = attempt.status;
  }
  if (attempt.error !== undefined) {
    if (typeof attempt.error !== 'string') throw new ValidationError('attempt.error must be a string');
    out.error = attempt.error.slice(0, MAX_ATTEMPT_ERROR);
  }
  return out;
}

async function alertSqliteOpAsync<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    throw alertError(alertErrorCodes.io, `alert store ${operation} failed (${errno ?? 'no code'})`, {
      retriable: errno === 'ENOSPC' || errno === 'EIO' || errno === 'EAGAIN',
      cause: error,
    });
  }
}
