import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ValidationError } from '../errors/index.js';
import type {
  AlertRule,
  AlertRulePatch,
  NewAlertRule,
  NewRuleReference,
  RuleFilter,
  RuleReference,
} from './alert-store.js';
import { alertError, alertErrorCodes } from './alert-errors.js';
import { normaliseRuleFilter } from './rule-filter.js';
import { parseStoredJson, prepared } from './sqlite-alert-op.js';

/** The rule half of SqliteAlertStore: synchronous, on arguments already checked; callers wrap transactions. */

interface RuleRow {
  id: string;
  name: string;
  threshold: number;
  filter: string | null;
  cooldown_seconds: number;
  webhook_url: string | null;
  enabled: number;
  revision: number;
  created_at: string;
  updated_at: string;
}

interface ReferenceRow {
  rule_id: string;
  kind: 'tile' | 'image';
  tile_id: string | null;
  label: string;
  sha256: string;
  bytes: number;
}

const RULE_COLUMNS =
  'id, name, threshold, filter, cooldown_seconds, webhook_url, enabled, revision, created_at, updated_at';

function toReference(row: ReferenceRow): RuleReference {
  const ref: RuleReference = { kind: row.kind, label: row.label, sha256: row.sha256, bytes: row.bytes };
  if (row.tile_id !== null) ref.tileId = row.tile_id;
  return ref;
}

function toRule(row: RuleRow, references: RuleReference[]): AlertRule {
  return {
    id: row.id,
    name: row.name,
    references,
    threshold: row.threshold,
    filter: row.filter === null ? null : parseStoredJson<RuleFilter>(row.filter, `filter of rule ${row.id}`),
    cooldownSeconds: row.cooldown_seconds,
    webhookUrl: row.webhook_url,
    enabled: row.enabled === 1,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function insertReferences(db: Database.Database, ruleId: string, references: NewRuleReference[]): void {
  const meta = prepared(
    db,
    'INSERT INTO alert_rule_references (rule_id, position, kind, tile_id, label, sha256, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const image = prepared(db, 'INSERT INTO alert_reference_images (rule_id, position, image) VALUES (?, ?, ?)');
  references.forEach((ref, position) => {
    const bytes = Buffer.from(ref.bytes.buffer, ref.bytes.byteOffset, ref.bytes.byteLength);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    meta.run(ruleId, position, ref.kind, ref.tileId ?? null, ref.label, sha256, bytes.length);
    image.run(ruleId, position, bytes);
  });
}

function deleteReferences(db: Database.Database, ruleId: string): void {
  prepared(db, 'DELETE FROM alert_rule_references WHERE rule_id = ?').run(ruleId);
  prepared(db, 'DELETE FROM alert_reference_images WHERE rule_id = ?').run(ruleId);
}

export function insertRule(
  db: Database.Database,
  rule: Omit<NewAlertRule, 'filter'> & { filter: RuleFilter | null },
  nowIso: string,
): { rule: AlertRule; webhookSecret: string } {
  const id = randomUUID();
  // 32 random bytes: the HMAC key receivers use to check a delivery came from us
  const webhookSecret = randomBytes(32).toString('base64url');
  prepared(
    db,
    `INSERT INTO alert_rules (id, name, threshold, filter, cooldown_seconds, webhook_url, webhook_secret, enabled,
       revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
  ).run(
    id,
    rule.name,
    rule.threshold,
    rule.filter === null ? null : JSON.stringify(rule.filter),
    rule.cooldownSeconds,
    rule.webhookUrl ?? null,
    webhookSecret,
    rule.enabled ? 1 : 0,
    nowIso,
    nowIso,
  );
  insertReferences(db, id, rule.references);
  return { rule: readRule(db, id)!, webhookSecret };
}

export function readRule(db: Database.Database, id: string): AlertRule | undefined {
  const row = prepared(db, `SELECT ${RULE_COLUMNS} FROM alert_rules WHERE id = ?`).get(id) as RuleRow | undefined;
  if (row === undefined) return undefined;
  const refs = prepared(
    db,
    'SELECT rule_id, kind, tile_id, label, sha256, bytes FROM alert_rule_references WHERE rule_id = ? ORDER BY position',
  ).all(id) as ReferenceRow[];
  return toRule(row, refs.map(toReference));
}

export function readRules(db: Database.Database): AlertRule[] {
  const rows = prepared(db, `SELECT ${RULE_COLUMNS} FROM alert_rules ORDER BY seq`).all() as RuleRow[];
  const refs = prepared(
    db,
    'SELECT rule_id, kind, tile_id, label, sha256, bytes FROM alert_rule_references ORDER BY rule_id, position',
  ).all() as ReferenceRow[];
  const byRule = new Map<string, RuleReference[]>();
  for (const ref of refs) {
    const list = byRule.get(ref.rule_id) ?? [];
    list.push(toReference(ref));
    byRule.set(ref.rule_id, list);
  }
  return rows.map((row) => toRule(row, byRule.get(row.id) ?? []));
}

/**
 * Applies the (checked) patch and bumps the revision. The previous revision's vectors stay readable until vectors
 * for a newer revision are put (an update that keeps the references may copy them instead of re-embedding).
 */
export function patchRule(
  db: Database.Database,
  id: string,
  patch: AlertRulePatch,
  nowIso: string,
): AlertRule | undefined {
  const current = readRule(db, id);
  if (current === undefined) return undefined;
  const filter = patch.filter === undefined ? current.filter : normaliseRuleFilter(patch.filter);
  prepared(
    db,
    `UPDATE alert_rules SET name = ?, threshold = ?, filter = ?, cooldown_seconds = ?, webhook_url = ?, enabled = ?,
       revision = revision + 1, updated_at = ? WHERE id = ?`,
  ).run(
    patch.name ?? current.name,
    patch.threshold ?? current.threshold,
    filter === null ? null : JSON.stringify(filter),
    patch.cooldownSeconds ?? current.cooldownSeconds,
    patch.webhookUrl === undefined ? current.webhookUrl : patch.webhookUrl,
    (patch.enabled ?? current.enabled) ? 1 : 0,
    nowIso,
    id,
  );
  if (patch.references !== undefined) {
    deleteReferences(db, id);
    insertReferences(db, id, patch.references);
  }
  return readRule(db, id);
}

/** Removes the rule and its references and vectors; its pending deliveries fail (nothing left to sign them with). */
export function removeRule(db: Database.Database, id: string): boolean {
  const { changes } = prepared(db, 'DELETE FROM alert_rules WHERE id = ?').run(id);
  if (changes === 0) return false;
  deleteReferences(db, id);
  prepared(db, 'DELETE FROM alert_reference_vectors WHERE rule_id = ?').run(id);
  prepared(
    db,
    "UPDATE alert_deliveries SET state = 'failed', next_attempt_ms = NULL WHERE rule_id = ? AND state = 'pending'",
  ).run(id);
  return true;
}

export function readReferenceImages(
  db: Database.Database,
  ruleId: string,
): Array<{ label: string; bytes: Uint8Array }> {
  const rows = prepared(
    db,
    `SELECT r.label AS label, i.image AS image FROM alert_rule_references r
       JOIN alert_reference_images i ON i.rule_id = r.rule_id AND i.position = r.position
       WHERE r.rule_id = ? ORDER BY r.position`,
  ).all(ruleId) as Array<{ label: string; image: Buffer }>;
  return rows.map((row) => ({ label: row.label, bytes: new Uint8Array(row.image) }));
}

export function readWebhookSecret(db: Database.Database, ruleId: string): string | undefined {
  const row = prepared(db, 'SELECT webhook_secret FROM alert_rules WHERE id = ?').get(ruleId) as
    { webhook_secret: string } | undefined;
  return row?.webhook_secret;
}

export function readReferenceVectors(
  db: Database.Database,
  ruleId: string,
  model: string,
  revision: number,
): Float32Array[] | undefined {
  const rows = prepared(
    db,
    'SELECT vector FROM alert_reference_vectors WHERE rule_id = ? AND model = ? AND revision = ? ORDER BY position',
  ).all(ruleId, model, revision) as Array<{ vector: Buffer }>;
  if (rows.length === 0) return undefined;
  return rows.map(({ vector }) => {
    if (vector.length === 0 || vector.length % 4 !== 0)
      throw alertError(alertErrorCodes.corrupt, `reference vector of rule ${ruleId} has ${vector.length} bytes`);
    // a copy: the driver's Buffer may sit at an offset a Float32Array cannot start at
    const copy = new Uint8Array(vector);
    return new Float32Array(copy.buffer, copy.byteOffset, copy.length / 4);
  });
}

/**
 * Keeps the vectors for (rule, model, revision) in place of that model's, and deletes every older revision's
 * vectors. Vectors computed for a revision that is no longer current (the rule changed or was deleted meanwhile)
 * are not kept: nothing would read them. The count must match the rule's references (one per reference, in order).
 */
export function writeReferenceVectors(
  db: Database.Database,
  ruleId: string,
  model: string,
  revision: number,
  vectors: Float32Array[],
): void {
  const rule = prepared(
    db,
    `SELECT revision, (SELECT count(*) FROM alert_rule_references WHERE rule_id = ?) AS refs
       FROM alert_rules WHERE id = ?`,
  ).get(ruleId, ruleId) as { revision: number; refs: number } | undefined;
  if (rule === undefined || rule.revision !== revision) return;
  if (vectors.length !== rule.refs)
    throw new ValidationError(`vectors: rule ${ruleId} has ${rule.refs} references, got ${vectors.length} vectors`);
  // older revisions' vectors (any model) are dead now that this revision has its own; this model's are replaced
  prepared(db, 'DELETE FROM alert_reference_vectors WHERE rule_id = ? AND (revision < ? OR model = ?)').run(
    ruleId,
    revision,
    model,
  );
  const insert = prepared(
    db,
    'INSERT INTO alert_reference_vectors (rule_id, model, revision, position, vector) VALUES (?, ?, ?, ?, ?)',
  );
  vectors.forEach((v, position) =>
    insert.run(ruleId, model, revision, position, Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
  );
}
