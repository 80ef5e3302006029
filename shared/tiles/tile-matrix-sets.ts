import { ValidationError } from '../errors/index.js';
import { MAX_GEOGRAPHIC_LEVEL, assertInMatrix, degreesPerPixel } from './geographic-grid.js';

/**
 * Levels of the GIBS EPSG:4326 TileMatrixSets, taken from the real documents in
 * shared/data/gibs/capabilities (the 2017 WMTS capabilities and OnEarth's tilematrixsets.xml agree). All
 * sets share one grid; the name only decides how deep it goes.
 */
const GEOGRAPHIC_TMS_LEVELS: Readonly<Record<string, number>> = Object.freeze({
  '16km': 3,
  '2km': 6,
  '1km': 7,
  '500m': 8,
  '250m': 9,
  '31.25m': 12,
  '15.625m': 13,
});

/** Names tmsLevels knows, finest last. */
export function knownTileMatrixSets(): string[] {
  return Object.entries(GEOGRAPHIC_TMS_LEVELS)
    .sort((a, b) => a[1] - b[1])
    .map(([name]) => name);
}

/** Number of levels (z = 0 .. levels-1) of a GIBS EPSG:4326 TileMatrixSet; unknown name → ValidationError. */
export function tmsLevels(tms: string): number {
  const levels = Object.hasOwn(GEOGRAPHIC_TMS_LEVELS, tms) ? GEOGRAPHIC_TMS_LEVELS[tms] : undefined;
  if (levels === undefined) {
    throw new ValidationError(`unknown TileMatrixSet '${tms}' (known: ${knownTileMatrixSets().join(', ')})`, {
      code: 'UNKNOWN_TMS',
    });
  }
  return levels;
}

/**
 * Throws ValidationError code 'TILE_OUT_OF_RANGE' when z is not a level of the set or row/col fall outside
 * that level's matrix (GIBS answers such requests with 400).
 */
export function validateTile(tms: string, z: number, row: number, col: number): void {
  const levels = tmsLevels(tms);
  if (!Number.isInteger(z) || z < 0 || z >= levels) {
    throw new ValidationError(`level ${z} is outside TileMatrixSet ${tms} (levels 0..${levels - 1})`, {
      code: 'TILE_OUT_OF_RANGE',
    });
  }
  assertInMatrix(z, row, col);
}

/**
 * The coarsest level whose pixels are at least as fine as `degPerPx`, capped at the deepest level of `tms`
 * (or of any known set when none is given).
 */
export function levelForResolution(degPerPx: number, tms?: string): number {
  if (!Number.isFinite(degPerPx) || degPerPx <= 0) {
    throw new ValidationError(`resolution must be a positive number of degrees per pixel, got ${degPerPx}`);
  }
  const maxLevel = tms === undefined ? MAX_GEOGRAPHIC_LEVEL : tmsLevels(tms) - 1;
  for (let z = 0; z <= maxLevel; z++) {
    if (degreesPerPixel(z) <= degPerPx) return z;
  }
  return maxLevel;
}
