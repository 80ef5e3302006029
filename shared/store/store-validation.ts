import { ValidationError } from '../errors/index.js';
import { validateBbox } from '../tiles/index.js';
import { UUID_PATTERN, validateFilter } from './filter.js';
import { tilePayloadSchema } from './tile-payload.js';
import type { Filter, VectorPoint } from './vector-store.js';

/**
 * Argument checks every VectorStore backend runs before it touches storage, so a bad call fails the same way
 * (ValidationError) on LanceDB and Qdrant and writes nothing.
 */

/** Collection and alias names: a letter or digit, then letters, digits, '_' or '-' (checkpoint ids fit). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const MAX_SEARCH_LIMIT = 1000;
export const MAX_SCROLL_LIMIT = 10_000;
export const MAX_DIMENSION = 65_536;

export function validateName(name: unknown, what: 'collection' | 'alias' = 'collection'): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ValidationError(
      `${what} name must be 1..128 letters, digits, '_' or '-' starting with a letter or digit, got ${JSON.stringify(name)}`,
    );
  }
}

export function validateDimension(dimension: unknown): asserts dimension is number {
  if (!Number.isSafeInteger(dimension) || (dimension as number) < 1 || (dimension as number) > MAX_DIMENSION) {
    throw new ValidationError(`dimension must be an integer in 1..${MAX_DIMENSION}, got ${String(dimension)}`);
  }
}

/** Point ids are lower-case hyphenated UUIDs (uuidV5 writes them so; Qdrant would rewrite any other form). */
export function validateIds(ids: unknown, what = 'ids'): asserts ids is string[] {
  if (!Array.isArray(ids)) throw new ValidationError(`${what} must be an array of point ids`);
  ids.forEach((id, i) => {
    if (typeof id !== 'string' || !UUID_PATTERN.test(id)) {
      throw new ValidationError(`${what}[${i}] must be a lower-case UUID, got ${JSON.stringify(id)}`);
    }
  });
}

export function validateLimit(limit: unknown, max: number, what = 'limit'): asserts limit is number {
  if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > max) {
    throw new ValidationError(`${what} must be an integer in 1..${max}, got ${String(limit)}`);
  }
}

/** A query or point vector: a Float32Array of the collection's dimension with finite values (not all zero for a query). */
export function validateVector(
  vector: unknown,
  dimension: number,
  what: string,
  nonZero = false,
): asserts vector is Float32Array {
  if (!(vector instanceof Float32Array)) throw new ValidationError(`${what} must be a Float32Array`);
  if (vector.length !== dimension) {
    throw new ValidationError(`${what} has length ${vector.length}, the collection's dimension is ${dimension}`);
  }
  let norm = 0;
  for (let d = 0; d < vector.length; d++) {
    if (!Number.isFinite(vector[d])) throw new ValidationError(`${what}[${d}] is not finite: ${vector[d]}`);
    norm += vector[d] * vector[d];
  }
  if (nonZero && norm === 0)
    throw new ValidationError(`${what} is all zeros: it has no direction to compare by cosine`);
}

export function validateOptionalFilter(filter: unknown): asserts filter is Filter | undefined {
  if (filter !== undefined) validateFilter(filter);
}

/**
 * Every point of an upsert: id, vector, payload (tilePayloadSchema; the footprint a valid box that does not
 * cross the antimeridian, the centre a valid lon/lat) and no id twice in one call.
 */
export function validatePoints(points: unknown, dimension: number): asserts points is VectorPoint[] {
  if (!Array.isArray(points)) throw new ValidationError('points must be an array');
  const seen = new Set<string>();
  points.forEach((point: unknown, i) => {
    const at = `points[${i}]`;
    if (typeof point !== 'object' || point === null) throw new ValidationError(`${at} must be an object`);
    const { id, vector, payload } = point as Partial<VectorPoint>;
    validateIds([id], `${at}.id`);
    if (seen.has(id as string)) throw new ValidationError(`${at}.id ${id} appears twice in one upsert`);
    seen.add(id as string);
    validateVector(vector, dimension, `${at}.vector`, true);
    const parsed = tilePayloadSchema.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ValidationError(`${at}.payload.${issue.path.join('.')}: ${issue.message}`, { cause: parsed.error });
    }
    const { bbox, center } = parsed.data;
    try {
      validateBbox(bbox);
    } catch (error) {
      throw new ValidationError(`${at}.payload.bbox: ${(error as Error).message}`, { cause: error });
    }
    if (bbox[0] > bbox[2]) throw new ValidationError(`${at}.payload.bbox crosses the antimeridian: tiles never do`);
    if (Math.abs(center.lon) > 180 || Math.abs(center.lat) > 90) {
      throw new ValidationError(`${at}.payload.center is not a valid lon/lat: ${JSON.stringify(center)}`);
    }
  });
}
