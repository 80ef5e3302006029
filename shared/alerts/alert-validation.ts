import { ValidationError } from '../errors/index.js';
import { tilePayloadSchema } from '../store/index.js';
import type { AlertRulePatch, NewAlert, NewAlertRule, NewRuleReference, RuleFilter } from './alert-store.js';
import { normaliseRuleFilter } from './rule-filter.js';

/** A rule watches one reference event: at most this many reference images. */
export const MAX_REFERENCES = 32;
/** The longest cooldown a rule may have (30 days), as the API allows. */
export const MAX_COOLDOWN_SECONDS = 2_592_000;
export const MAX_RULE_NAME_LENGTH = 200;
export const MAX_LABEL_LENGTH = 500;
/** Reference images are tiles or small uploads; a bigger one is a mistake, not an event. */
export const MAX_REFERENCE_BYTES = 16 * 1024 * 1024;
export const MAX_WEBHOOK_URL_LENGTH = 2048;
/** listAlerts / listDeliveries / dueDeliveries page size bounds */
export const MAX_PAGE = 1000;

const SHA256 = /^[0-9a-f]{64}$/;

function fail(field: string, message: string): never {
  throw new ValidationError(`${field}: ${message}`);
}

function show(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim().length === 0)
    fail('name', `must be a non-empty string, got ${show(name)}`);
  if (name.length > MAX_RULE_NAME_LENGTH)
    fail('name', `has ${name.length} characters, at most ${MAX_RULE_NAME_LENGTH}`);
  return name;
}

export function checkThreshold(threshold: unknown): number {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < -1 || threshold > 1)
    fail('threshold', `must be a finite number in [-1, 1] (cosine similarity), got ${show(threshold)}`);
  return threshold;
}

export function checkCooldown(cooldownSeconds: unknown): number {
  if (!Number.isSafeInteger(cooldownSeconds) || (cooldownSeconds as number) < 0)
    fail('cooldownSeconds', `must be an integer >= 0, got ${show(cooldownSeconds)}`);
  if ((cooldownSeconds as number) > MAX_COOLDOWN_SECONDS)
    fail('cooldownSeconds', `must be at most ${MAX_COOLDOWN_SECONDS} (30 days), got ${show(cooldownSeconds)}`);
  return cooldownSeconds as number;
}

/** http(s) and parseable; whether its host is public is checkWebhookUrl's business (it needs DNS). */
export function checkWebhookUrlSyntax(url: unknown): string {
  if (typeof url !== 'string' || url.length === 0) fail('webhookUrl', `must be an http(s) URL, got ${show(url)}`);
  if (url.length > MAX_WEBHOOK_URL_LENGTH) fail('webhookUrl', `is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ValidationError(`webhookUrl: not a URL: ${show(url)}`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    fail('webhookUrl', `must use http or https, got ${show(parsed.protocol)}`);
  return url;
}

export function checkEnabled(enabled: unknown): boolean {
  if (typeof enabled !== 'boolean') fail('enabled', `must be true or false, got ${show(enabled)}`);
  return enabled;
}

export function checkReferences(references: unknown): NewRuleReference[] {
  if (!Array.isArray(references)) fail('references', `must be an array, got ${show(references)}`);
  if (references.length === 0) fail('references', 'needs at least one reference image');
  if (references.length > MAX_REFERENCES)
    fail('references', `has ${references.length} entries, at most ${MAX_REFERENCES} allowed`);
  return references.map((ref: unknown, i): NewRuleReference => {
    const at = `references[${i}]`;
    if (typeof ref !== 'object' || ref === null) fail(at, `must be an object, got ${show(ref)}`);
    const { kind, tileId, label, bytes } = ref as Record<string, unknown>;
    if (kind !== 'tile' && kind !== 'image') fail(`${at}.kind`, `must be 'tile' or 'image', got ${show(kind)}`);
    if (kind === 'tile' && (typeof tileId !== 'string' || tileId.length === 0))
      fail(`${at}.tileId`, `a tile reference needs its tile id, got ${show(tileId)}`);
    if (kind === 'image' && tileId !== undefined) fail(`${at}.tileId`, 'an image reference has no tile id');
    if (typeof label !== 'string' || label.length === 0)
      fail(`${at}.label`, `must be a non-empty string, got ${show(label)}`);
    if (label.length > MAX_LABEL_LENGTH) fail(`${at}.label`, `is longer than ${MAX_LABEL_LENGTH} characters`);
    if (!(bytes instanceof Uint8Array)) fail(`${at}.bytes`, `must be a Uint8Array, got ${show(bytes)}`);
    if (bytes.length === 0) fail(`${at}.bytes`, 'is empty');
    if (bytes.length > MAX_REFERENCE_BYTES)
      fail(`${at}.bytes`, `has ${bytes.length} bytes, at most ${MAX_REFERENCE_BYTES}`);
    return kind === 'tile' ? { kind, tileId: tileId as string, label, bytes } : { kind, label, bytes };
  });
}

/** A checked copy of a new rule (filter normalised: `{}` becomes null). */
export function checkNewRule(rule: NewAlertRule): Omit<NewAlertRule, 'filter'> & { filter: RuleFilter | null } {
  if (typeof rule !== 'object' || rule === null) throw new ValidationError(`rule must be an object, got ${show(rule)}`);
  return {
    name: checkName(rule.name),
    references: checkReferences(rule.references),
    threshold: checkThreshold(rule.threshold),
    filter: normaliseRuleFilter(rule.filter),
    cooldownSeconds: checkCooldown(rule.cooldownSeconds),
    webhookUrl: rule.webhookUrl === undefined ? undefined : checkWebhookUrlSyntax(rule.webhookUrl),
    enabled: checkEnabled(rule.enabled),
  };
}

const PATCH_KEYS = ['name', 'references', 'threshold', 'filter', 'cooldownSeconds', 'webhookUrl', 'enabled'];

/** Checks the fields present; unknown keys are refused (a typo must not be a silent no-op). */
export function checkPatch(patch: AlertRulePatch): void {
  if (typeof patch !== 'object' || patch === null)
    throw new ValidationError(`patch must be an object, got ${show(patch)}`);
  const unknown = Object.keys(patch).filter((k) => !PATCH_KEYS.includes(k));
  if (unknown.length > 0) throw new ValidationError(`patch: unknown field ${JSON.stringify(unknown[0])}`);
  if (patch.name !== undefined) checkName(patch.name);
  if (patch.references !== undefined) checkReferences(patch.references);
  if (patch.threshold !== undefined) checkThreshold(patch.threshold);
  if (patch.filter !== undefined) normaliseRuleFilter(patch.filter);
  if (patch.cooldownSeconds !== undefined) checkCooldown(patch.cooldownSeconds);
  if (patch.webhookUrl !== undefined && patch.webhookUrl !== null) checkWebhookUrlSyntax(patch.webhookUrl);
  if (patch.enabled !== undefined) checkEnabled(patch.enabled);
}

export function checkNonEmpty(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) fail(field, `must be a non-empty string, got ${show(value)}`);
  return value;
}

export function checkSha256(field: string, value: unknown): string {
  if (typeof value !== 'string' || !SHA256.test(value))
    fail(field, `must be 64 lower-case hex digits, got ${show(value)}`);
  return value;
}

/** Epoch ms of an RFC 3339 instant (what Date#toISOString writes, or any offset form Date.parse reads). */
export function checkInstant(field: string, value: unknown): number {
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) fail(field, `must be an RFC 3339 instant, got ${show(value)}`);
  return ms;
}

export function checkDate(field: string, value: unknown): number {
  if (!(value instanceof Date) || !Number.isFinite(value.getTime()))
    fail(field, `must be a valid Date, got ${show(value)}`);
  return value.getTime();
}

export function checkLimit(field: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1 || (value as number) > MAX_PAGE)
    fail(field, `must be an integer in 1..${MAX_PAGE}, got ${show(value)}`);
  return value as number;
}

/** An alert id / `after` cursor: the history's sequence number as a decimal string. */
export function parseSequence(field: string, value: unknown): number {
  if (typeof value !== 'string' || !/^(0|[1-9]\d{0,15})$/.test(value) || !Number.isSafeInteger(Number(value)))
    fail(field, `must be an alert id (a decimal sequence number), got ${show(value)}`);
  return Number(value);
}

/** A checked alert: the epoch ms of alertedAt beside it. */
export function checkNewAlert(alert: NewAlert): { alert: NewAlert; alertedMs: number } {
  if (typeof alert !== 'object' || alert === null)
    throw new ValidationError(`alert must be an object, got ${show(alert)}`);
  checkNonEmpty('ruleId', alert.ruleId);
  checkNonEmpty('tileId', alert.tileId);
  checkSha256('sha256', alert.sha256);
  checkNonEmpty('model', alert.model);
  if (typeof alert.score !== 'number' || !Number.isFinite(alert.score))
    fail('score', `must be a finite number, got ${show(alert.score)}`);
  const parsed = tilePayloadSchema.safeParse(alert.payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`payload${issue.path.map((p) => `.${String(p)}`).join('')}`, issue.message);
  }
  const alertedMs = checkInstant('alertedAt', alert.alertedAt);
  return { alert: { ...alert, payload: parsed.data }, alertedMs };
}

/** Vectors for putReferenceVectors: 1..MAX_REFERENCES of one dimension, all finite. */
export function checkVectors(vectors: unknown): Float32Array[] {
  if (!Array.isArray(vectors) || vectors.length === 0 || vectors.length > MAX_REFERENCES)
    fail('vectors', `must be 1..${MAX_REFERENCES} Float32Arrays, got ${show(vectors)}`);
  const dimension = (vectors[0] as Float32Array | undefined)?.length;
  vectors.forEach((v: unknown, i) => {
    if (!(v instanceof Float32Array) || v.length === 0) fail(`vectors[${i}]`, `must be a non-empty Float32Array`);
    if (v.length !== dimension) fail(`vectors[${i}]`, `has dimension ${v.length}, vectors[0] has ${dimension}`);
    if (!v.every(Number.isFinite)) fail(`vectors[${i}]`, 'holds a value that is not finite');
  });
  return vectors as Float32Array[];
}

export function checkRevision(revision: unknown): number {
  if (!Number.isSafeInteger(revision) || (revision as number) < 1)
    fail('revision', `must be an integer >= 1, got ${show(revision)}`);
  return revision as number;
}
