import { ValidationError } from '../errors/index.js';
import { tilesErrorCodes } from './tiles-errors.js';

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
      code: tilesErrorCodes.unknownTms,
    });
  }
  return levels;
}
