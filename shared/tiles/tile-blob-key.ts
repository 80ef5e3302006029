import { ValidationError } from '../errors/index.js';
import { isIsoDate } from '../gibs/index.js';
import type { TileAddress } from './tile-address.js';
import { tileKey } from './tile-id.js';

/**
 * The one place that writes and reads the tile store's keys, `tiles/{layer}/{date}/{tms}/{z}/{row}/{col}.{ext}`:
 * the harvester files tiles under them, the trainer and the evaluation find a tile's place from them.
 */
export const TILE_BLOB_PREFIX = 'tiles/';

/** A tile address plus the file extension its bytes are stored under (jpg, png). */
export interface TileFile extends TileAddress {
  ext: string;
}

/** What a tile path's tail names: no layer, and `date` may carry a time (GIBS REST paths of sub-daily layers). */
export type TilePathTail = Omit<TileFile, 'layer'>;

const EXT = /^[A-Za-z0-9]+$/;
// Canonical decimal only (no sign, no leading zeros), so parsing and building are exact inverses.
const INDEX = /^(?:0|[1-9]\d*)$/;
const TIME_SUFFIX = /^T[^/]*$/;

/**
 * Where a tile's bytes live in the tile store: deterministic, so a re-run overwrites rather than duplicates.
 * Throws ValidationError for a part that would not parse back (a '/' in a name, a date that is not
 * YYYY-MM-DD, an extension that is not alphanumeric).
 */
export function tileBlobKey(tile: TileAddress, ext: string): string {
  if (!isIsoDate(tile.date)) {
    throw new ValidationError(`tile date must be a calendar date YYYY-MM-DD, got ${JSON.stringify(tile.date)}`);
  }
  if (typeof ext !== 'string' || !EXT.test(ext)) {
    throw new ValidationError(`tile extension must be letters and digits, got ${JSON.stringify(ext)}`);
  }
  return `${TILE_BLOB_PREFIX}${tileKey(tile.layer, tile.date, tile.tms, tile.z, tile.row, tile.col)}.${ext}`;
}

/** The tile a blob key names, or undefined when the key is not a tile store key. Inverse of tileBlobKey. */
export function parseTileBlobKey(key: string): TileFile | undefined {
  const parts = key.split('/');
  if (parts.length !== 7 || `${parts[0]}/` !== TILE_BLOB_PREFIX || parts[1] === '') return undefined;
  const tail = parseTail(parts.slice(2));
  if (tail === undefined || !isIsoDate(tail.date)) return undefined;
  return { layer: parts[1], ...tail };
}

/**
 * The tile a file path names by its last five segments `{date}/{tms}/{z}/{row}/{col}.{ext}`, whatever comes
 * before them: tile store keys and mirrors of the GIBS REST layout (`{Layer}/default/{date}/...`) both end
 * so. No layer is returned: the segment before the date is the layer in one layout and the style in the
 * other. Undefined when the path does not end so.
 */
export function parseTilePathTail(path: string): TilePathTail | undefined {
  const parts = path.split('/');
  return parts.length < 5 ? undefined : parseTail(parts.slice(-5));
}

function parseTail([date, tms, z, row, file]: string[]): TilePathTail | undefined {
  const dot = file.indexOf('.');
  const col = file.slice(0, dot);
  const ext = file.slice(dot + 1);
  const dated = isIsoDate(date.slice(0, 10)) && (date.length === 10 || TIME_SUFFIX.test(date.slice(10)));
  const indices = [z, row, col].every((n) => INDEX.test(n) && Number.isSafeInteger(Number(n)));
  if (dot < 0 || !dated || tms === '' || !EXT.test(ext) || !indices) return undefined;
  return { date, tms, z: Number(z), row: Number(row), col: Number(col), ext };
}
