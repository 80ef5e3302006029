import { createHash } from 'node:crypto';
import { ValidationError } from '../errors/index.js';

/**
 * Namespace of gibs-embed point ids. Fixed forever: changing it changes every point id and breaks
 * idempotent re-ingestion. It is itself uuidV5(URL namespace 6ba7b811-9dad-11d1-80b4-00c04fd430c8,
 * 'urn:gibs-embed:tile-id'), so anyone can re-derive it.
 */
export const TILE_ID_NAMESPACE = '4fc03a75-1564-5b4b-96d5-a9174ab81091';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidBytes(uuid: string): Buffer {
  if (!UUID_RE.test(uuid)) throw new ValidationError(`not a UUID: '${uuid}'`);
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

/** RFC 4122 version-5 (SHA-1, name-based) UUID of `name` (UTF-8) in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function assertPart(what: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.includes('/')) {
    throw new ValidationError(`${what} must be a non-empty string without '/', got ${JSON.stringify(value)}`);
  }
}

function assertIndex(what: string, value: number): void {
  // Safe integers only: larger ones print as 1e+21 and would not read back from a key.
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`${what} must be a non-negative safe integer, got ${value}`);
  }
}

/** `${layer}/${date}/${tms}/`: what every tileKey of one layer, day and matrix set starts with (ledger scans). */
export function tileKeyPrefix(layer: string, date: string, tms: string): string {
  assertPart('layer', layer);
  assertPart('date', date);
  assertPart('tms', tms);
  return `${layer}/${date}/${tms}/`;
}

/** `${layer}/${date}/${tms}/${z}/${row}/${col}`: the identity of one tile of one day. */
export function tileKey(layer: string, date: string, tms: string, z: number, row: number, col: number): string {
  assertIndex('z', z);
  assertIndex('row', row);
  assertIndex('col', col);
  return `${tileKeyPrefix(layer, date, tms)}${z}/${row}/${col}`;
}

/** Deterministic point id: UUIDv5 of tileKey in TILE_ID_NAMESPACE, so re-running any step is idempotent. */
export function pointId(layer: string, date: string, tms: string, z: number, row: number, col: number): string {
  return uuidV5(tileKey(layer, date, tms, z, row, col), TILE_ID_NAMESPACE);
}
