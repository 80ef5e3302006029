import { ValidationError } from '../errors/index.js';
import { MAX_FILTER_LIST, validateFilter, type Filter } from '../store/index.js';
import { validateBbox } from '../tiles/index.js';
import type { RuleFilter } from './alert-store.js';

const RULE_FILTER_KEYS = ['bbox', 'near', 'layers', 'levels'] as const;

function fail(path: string, message: string): never {
  throw new ValidationError(`${path}: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function validateList(value: unknown, path: string, check: (item: unknown, itemPath: string) => void): void {
  if (!Array.isArray(value)) fail(path, `must be an array, got ${JSON.stringify(value)}`);
  if (value.length === 0) fail(path, 'must not be empty (leave it out to watch every one)');
  if (value.length > MAX_FILTER_LIST) fail(path, `has ${value.length} entries, at most ${MAX_FILTER_LIST} allowed`);
  value.forEach((item, i) => check(item, `${path}[${i}]`));
}

/**
 * Throws a ValidationError naming the field (e.g. `filter.near.radiusKm`) unless `filter` is a RuleFilter:
 * a plain object with only bbox (validateBbox, code BAD_BBOX), near (lon in [-180, 180], lat in [-90, 90],
 * radiusKm finite and > 0), layers (1..1000 non-empty strings), levels (1..1000 integers >= 0). `null` and `{}`
 * are valid: the rule watches everything. `path` names the value in messages.
 */
export function validateRuleFilter(filter: unknown, path = 'filter'): asserts filter is RuleFilter | null {
  if (filter === null) return;
  if (!isPlainObject(filter)) fail(path, 'must be an object { bbox?, near?, layers?, levels? } or null');
  const unknown = Object.keys(filter).filter((k) => !(RULE_FILTER_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0)
    fail(path, `unknown key ${JSON.stringify(unknown[0])} (allowed: ${RULE_FILTER_KEYS.join(', ')})`);
  if (filter.bbox !== undefined) {
    try {
      validateBbox(filter.bbox as number[]);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(`${path}.bbox: ${error.message}`, { code: error.code, cause: error });
    }
  }
  if (filter.near !== undefined) {
    const near = filter.near;
    if (!isPlainObject(near)) fail(`${path}.near`, 'must be an object { lon, lat, radiusKm }');
    const extra = Object.keys(near).filter((k) => !['lon', 'lat', 'radiusKm'].includes(k));
    if (extra.length > 0) fail(`${path}.near`, `unknown key ${JSON.stringify(extra[0])} (allowed: lon, lat, radiusKm)`);
    const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    if (!finite(near.lon) || near.lon < -180 || near.lon > 180)
      fail(`${path}.near.lon`, `must be a number in [-180, 180], got ${String(near.lon)}`);
    if (!finite(near.lat) || near.lat < -90 || near.lat > 90)
      fail(`${path}.near.lat`, `must be a number in [-90, 90], got ${String(near.lat)}`);
    if (!finite(near.radiusKm) || near.radiusKm <= 0)
      fail(`${path}.near.radiusKm`, `must be a finite number > 0, got ${String(near.radiusKm)}`);
  }
  if (filter.layers !== undefined) {
    validateList(filter.layers, `${path}.layers`, (item, itemPath) => {
      if (typeof item !== 'string' || item.length === 0) fail(itemPath, 'must be a non-empty string');
    });
  }
  if (filter.levels !== undefined) {
    validateList(filter.levels, `${path}.levels`, (item, itemPath) => {
      if (!Number.isSafeInteger(item) || (item as number) < 0) fail(itemPath, 'must be an integer >= 0');
    });
  }
}

/**
 * The rule's area and layers as the vector store's `Filter`, so the alerter decides whether a tile is in a
 * rule's scope with the store's own `matchesFilter` (one evaluator, the same meaning as a search filter: bbox
 * intersects the footprint, near measures to the footprint's centre). Every field present must hold (and);
 * `undefined` when the rule watches everything (null, `{}`). Validates first.
 */
export function ruleFilterToFilter(filter: RuleFilter | null): Filter | undefined {
  validateRuleFilter(filter);
  if (filter === null) return undefined;
  const clauses: Filter[] = [];
  if (filter.bbox !== undefined) clauses.push({ bbox: [...filter.bbox] });
  if (filter.near !== undefined) clauses.push({ near: { ...filter.near } });
  if (filter.layers !== undefined) clauses.push({ layer: [...filter.layers] });
  if (filter.levels !== undefined) clauses.push({ z: [...filter.levels] });
  if (clauses.length === 0) return undefined;
  const result: Filter = clauses.length === 1 ? clauses[0] : { and: clauses };
  validateFilter(result);
  return result;
}

/** A copy holding only the fields set, or null when none is (the form the store keeps and returns). */
export function normaliseRuleFilter(filter: RuleFilter | null | undefined): RuleFilter | null {
  if (filter === undefined || filter === null) return null;
  validateRuleFilter(filter);
  const out: RuleFilter = {};
  if (filter.bbox !== undefined) out.bbox = [...filter.bbox];
  if (filter.near !== undefined)
    out.near = { lon: filter.near.lon, lat: filter.near.lat, radiusKm: filter.near.radiusKm };
  if (filter.layers !== undefined) out.layers = [...filter.layers];
  if (filter.levels !== undefined) out.levels = [...filter.levels];
  return Object.keys(out).length === 0 ? null : out;
}
