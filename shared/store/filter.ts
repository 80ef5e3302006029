import { ValidationError } from '../errors/index.js';
import { parseRfc3339 } from '../gibs/index.js';
import { bboxesIntersect, validateBbox, type Bbox } from '../tiles/index.js';
import type { TilePayload } from './tile-payload.js';
import type { Filter } from './vector-store.js';

export { recommendQuery } from './recommend-query.js';

/**
 * The one definition of what a `Filter` means. `matchesFilter` is the ground truth: the LanceDB SQL
 * translation and the Qdrant filter JSON must select exactly the points it selects, and the contract suite
 * checks both against it.
 *
 * Rules `validateFilter` enforces (each violation is a ValidationError naming the path, e.g. `filter.and[1].date.gte`):
 * - a filter is a plain object with exactly one of the keys below; unknown keys are refused;
 * - `and` / `or` take 1..MAX_FILTER_LIST filters: an empty list is refused (is `or: []` nothing or everything?
 *   backends disagree, so the question is not allowed); nesting is at most MAX_FILTER_DEPTH deep;
 * - `date` has `gte` and/or `lte` (at least one), each `YYYY-MM-DD` or an RFC 3339 instant with at most
 *   millisecond precision (`T` and `Z` upper case, offsets `±hh:mm`), a real calendar day; gte <= lte;
 * - `bbox` as validateBbox (code BAD_BBOX): minLon > maxLon crosses the antimeridian;
 * - `near`: lon in [-180, 180], lat in [-90, 90], radiusKm finite and > 0;
 * - `layer` / `model`: 1..MAX_FILTER_LIST non-empty strings; `z`: non-negative integers; `id`: lower-case
 *   hyphenated UUIDs (the form point ids take).
 */

export const MAX_FILTER_DEPTH = 32;
export const MAX_FILTER_LIST = 1000;

/** Mean Earth radius (IUGG), the one `near` uses everywhere. */
export const EARTH_RADIUS_KM = 6371.0088;

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const KEYS = ['and', 'or', 'not', 'date', 'bbox', 'near', 'layer', 'z', 'model', 'id'] as const;

function fail(path: string, message: string): never {
  throw new ValidationError(`${path}: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A date bound as the normalised RFC 3339 instant both backends compare with (`2026-06-01T00:00:00.000Z`).
 * `YYYY-MM-DD` is that day's midnight UTC on either side, so `lte: '2026-06-30'` keeps the tiles of 30 June
 * (tile dates are midnights) and nothing later that day. `side` only names the bound in the error message.
 */
export function dateBoundToIso(bound: string, side: 'gte' | 'lte'): string {
  return new Date(dateBoundToMs(bound, side)).toISOString();
}

/** Epoch milliseconds of a date bound (see dateBoundToIso). */
export function dateBoundToMs(bound: string, side: 'gte' | 'lte'): number {
  const ms = typeof bound === 'string' ? parseRfc3339(bound) : undefined;
  if (ms === undefined) {
    throw new ValidationError(
      `date.${side} must be YYYY-MM-DD or an RFC 3339 instant (at most millisecond precision), got ${JSON.stringify(bound)}`,
    );
  }
  return ms;
}

/** Epoch milliseconds of a payload's date (an RFC 3339 instant). */
export function payloadDateMs(date: string): number {
  const ms = Date.parse(date);
  if (!Number.isFinite(ms))
    throw new ValidationError(`payload.date is not an RFC 3339 instant: ${JSON.stringify(date)}`);
  return ms;
}

const toRadians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Great-circle distance in km (haversine, EARTH_RADIUS_KM): the definition `near` uses. */
export function haversineKm(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const sinHalfLat = Math.sin(toRadians(b.lat - a.lat) / 2);
  const sinHalfLon = Math.sin(toRadians(b.lon - a.lon) / 2);
  const h = sinHalfLat * sinHalfLat + Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * sinHalfLon * sinHalfLon;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

function validateList(value: unknown, path: string, check: (item: unknown, itemPath: string) => void): void {
  if (!Array.isArray(value)) fail(path, `must be an array, got ${JSON.stringify(value)}`);
  if (value.length === 0) fail(path, 'must not be empty');
  if (value.length > MAX_FILTER_LIST) fail(path, `has ${value.length} entries, at most ${MAX_FILTER_LIST} allowed`);
  value.forEach((item, i) => check(item, `${path}[${i}]`));
}

function validateDate(value: unknown, path: string): void {
  if (!isPlainObject(value)) fail(path, 'must be an object { gte?, lte? }');
  const keys = Object.keys(value);
  const unknown = keys.filter((k) => k !== 'gte' && k !== 'lte');
  if (unknown.length > 0) fail(path, `unknown key ${JSON.stringify(unknown[0])} (allowed: gte, lte)`);
  if (value.gte === undefined && value.lte === undefined) fail(path, 'needs gte, lte or both');
  const bound = (side: 'gte' | 'lte'): number | undefined => {
    const raw = value[side];
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || parseRfc3339(raw) === undefined) {
      fail(`${path}.${side}`, `must be YYYY-MM-DD or an RFC 3339 instant, got ${JSON.stringify(raw)}`);
    }
    return parseRfc3339(raw);
  };
  const gte = bound('gte');
  const lte = bound('lte');
  if (gte !== undefined && lte !== undefined && gte > lte) fail(path, `gte ${value.gte} is after lte ${value.lte}`);
}

function validateNear(value: unknown, path: string): void {
  if (!isPlainObject(value)) fail(path, 'must be an object { lon, lat, radiusKm }');
  const unknown = Object.keys(value).filter((k) => !['lon', 'lat', 'radiusKm'].includes(k));
  if (unknown.length > 0) fail(path, `unknown key ${JSON.stringify(unknown[0])} (allowed: lon, lat, radiusKm)`);
  const { lon, lat, radiusKm } = value;
  const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!finite(lon) || lon < -180 || lon > 180) fail(`${path}.lon`, `must be a number in [-180, 180], got ${lon}`);
  if (!finite(lat) || lat < -90 || lat > 90) fail(`${path}.lat`, `must be a number in [-90, 90], got ${lat}`);
  if (!finite(radiusKm) || radiusKm <= 0) fail(`${path}.radiusKm`, `must be a finite number > 0, got ${radiusKm}`);
}

function validateBboxAt(value: unknown, path: string): void {
  try {
    validateBbox(value as number[]);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(`${path}: ${error.message}`, { code: error.code, cause: error });
  }
}

function validateAt(filter: unknown, path: string, depth: number): void {
  if (depth > MAX_FILTER_DEPTH) fail(path, `nested deeper than ${MAX_FILTER_DEPTH} levels`);
  if (!isPlainObject(filter)) fail(path, `must be an object with one of ${KEYS.join(', ')}`);
  const keys = Object.keys(filter);
  if (keys.length !== 1) fail(path, `must have exactly one key (one of ${KEYS.join(', ')}), got ${keys.length}`);
  const key = keys[0];
  const value = filter[key];
  const at = `${path}.${key}`;
  switch (key) {
    case 'and':
    case 'or':
      return validateList(value, at, (item, itemPath) => validateAt(item, itemPath, depth + 1));
    case 'not':
      return validateAt(value, at, depth + 1);
    case 'date':
      return validateDate(value, at);
    case 'bbox':
      return validateBboxAt(value, at);
    case 'near':
      return validateNear(value, at);
    case 'layer':
    case 'model':
      return validateList(value, at, (item, itemPath) => {
        if (typeof item !== 'string' || item.length === 0) fail(itemPath, `must be a non-empty string`);
      });
    case 'z':
      return validateList(value, at, (item, itemPath) => {
        if (!Number.isSafeInteger(item) || (item as number) < 0) fail(itemPath, `must be an integer >= 0`);
      });
    case 'id':
      return validateList(value, at, (item, itemPath) => {
        if (typeof item !== 'string' || !UUID_PATTERN.test(item)) fail(itemPath, 'must be a lower-case UUID');
      });
    default:
      fail(path, `unknown key ${JSON.stringify(key)} (allowed: ${KEYS.join(', ')})`);
  }
}

/** Throws a ValidationError naming the offending path unless `filter` is a well-formed Filter (rules above). */
export function validateFilter(filter: unknown): asserts filter is Filter {
  validateAt(filter, 'filter', 1);
}

/** Whether the point is selected by the (valid) filter: the semantics every backend implements. */
export function matchesFilter(filter: Filter, point: { id: string; payload: TilePayload }): boolean {
  const { payload } = point;
  if ('and' in filter) return filter.and.every((f) => matchesFilter(f, point));
  if ('or' in filter) return filter.or.some((f) => matchesFilter(f, point));
  if ('not' in filter) return !matchesFilter(filter.not, point);
  if ('date' in filter) {
    const ms = payloadDateMs(payload.date);
    const { gte, lte } = filter.date;
    return (
      (gte === undefined || ms >= dateBoundToMs(gte, 'gte')) && (lte === undefined || ms <= dateBoundToMs(lte, 'lte'))
    );
  }
  if ('bbox' in filter) return bboxesIntersect(payload.bbox as Bbox, filter.bbox);
  if ('near' in filter) return haversineKm(payload.center, filter.near) <= filter.near.radiusKm;
  if ('layer' in filter) return filter.layer.includes(payload.layer);
  if ('z' in filter) return filter.z.includes(payload.z);
  if ('model' in filter) return filter.model.includes(payload.model);
  return filter.id.includes(point.id);
}
