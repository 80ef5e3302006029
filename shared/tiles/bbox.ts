import { ValidationError } from '../errors/index.js';
import { tilesErrorCodes } from './tiles-errors.js';

/** [minLon, minLat, maxLon, maxLat] in degrees. minLon > maxLon means the box crosses the antimeridian. */
export type Bbox = [minLon: number, minLat: number, maxLon: number, maxLat: number];

/** The valid geographic world; tile extents that spill past it are clamped to this. */
export const WORLD_BBOX: Readonly<Bbox> = [-180, -90, 180, 90];

/**
 * Throws ValidationError (code 'BAD_BBOX') unless the box is finite, inside the world, minLat < maxLat and
 * minLon != maxLon. minLon > maxLon is accepted: it is a box crossing the antimeridian. minLon == maxLon is
 * refused because it could mean either a zero-width sliver or the whole circle.
 */
export function validateBbox(bbox: readonly number[]): asserts bbox is Bbox {
  if (!Array.isArray(bbox) || bbox.length !== 4) {
    throw new ValidationError(`bbox must be [minLon, minLat, maxLon, maxLat], got ${JSON.stringify(bbox)}`, {
      code: tilesErrorCodes.badBbox,
    });
  }
  const [minLon, minLat, maxLon, maxLat] = bbox;
  if (![minLon, minLat, maxLon, maxLat].every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new ValidationError(`bbox values must be finite numbers, got ${JSON.stringify(bbox)}`, {
      code: tilesErrorCodes.badBbox,
    });
  }
  if (minLon < -180 || minLon > 180 || maxLon < -180 || maxLon > 180) {
    throw new ValidationError(`bbox longitudes must lie in [-180, 180], got ${minLon}, ${maxLon}`, {
      code: tilesErrorCodes.badBbox,
    });
  }
  if (minLat < -90 || minLat > 90 || maxLat < -90 || maxLat > 90) {
    throw new ValidationError(`bbox latitudes must lie in [-90, 90], got ${minLat}, ${maxLat}`, {
      code: tilesErrorCodes.badBbox,
    });
  }
  if (!(minLat < maxLat)) {
    throw new ValidationError(`bbox minLat must be below maxLat, got ${minLat} >= ${maxLat}`, {
      code: tilesErrorCodes.badBbox,
    });
  }
  if (minLon === maxLon) {
    throw new ValidationError(`bbox minLon equals maxLon (${minLon}): zero width or whole world is ambiguous`, {
      code: tilesErrorCodes.badBbox,
    });
  }
}

/** True when the box crosses the antimeridian (given as minLon > maxLon). */
export function crossesAntimeridian(bbox: Readonly<Bbox>): boolean {
  return bbox[0] > bbox[2];
}

/** Splits an antimeridian-crossing box into its western-hemisphere-end and eastern parts; others pass through. */
export function splitAntimeridian(bbox: Readonly<Bbox>): Bbox[] {
  const [minLon, minLat, maxLon, maxLat] = bbox;
  if (minLon <= maxLon) return [[minLon, minLat, maxLon, maxLat]];
  return [
    [minLon, minLat, 180, maxLat],
    [-180, minLat, maxLon, maxLat],
  ];
}

/** Clamps a (tile) extent to the valid world; edge tiles of the GIBS grid reach past 180 E and 90 S. */
export function clampBbox(bbox: Readonly<Bbox>): Bbox {
  const clampLon = (v: number): number => Math.min(180, Math.max(-180, v));
  const clampLat = (v: number): number => Math.min(90, Math.max(-90, v));
  return [clampLon(bbox[0]), clampLat(bbox[1]), clampLon(bbox[2]), clampLat(bbox[3])];
}

/**
 * Centre of the part of a box that lies in the valid world, so it is always a valid geo point (edge tiles of
 * the GIBS grid reach past 180 E / 90 S; their centre is that of the clamped extent). For an
 * antimeridian-crossing box the centre is taken along the crossing and wrapped back into [-180, 180).
 */
export function tileCenter(bbox: Readonly<Bbox>): { lon: number; lat: number } {
  const crossing = crossesAntimeridian(bbox);
  const [minLon, minLat, maxLon, maxLat] = crossing ? bbox : clampBbox(bbox);
  const lat = (minLat + maxLat) / 2;
  if (minLon <= maxLon) return { lon: (minLon + maxLon) / 2, lat };
  let lon = (minLon + maxLon + 360) / 2;
  if (lon >= 180) lon -= 360;
  return { lon, lat };
}

/**
 * Whether two boxes share any point (touching edges count): the vector store's bbox filter, "the tile's
 * footprint intersects the box". Either box may cross the antimeridian (minLon > maxLon); 180 E and 180 W
 * are one meridian, so a box ending at 180 touches one starting at -180. Boxes are as validateBbox accepts.
 */
export function bboxesIntersect(a: Readonly<Bbox>, b: Readonly<Bbox>): boolean {
  if (!(a[1] <= b[3] && b[1] <= a[3])) return false;
  return splitAntimeridian(a).some(([aWest, , aEast]) =>
    splitAntimeridian(b).some(
      ([bWest, , bEast]) =>
        (aWest <= bEast && bWest <= aEast) || (aEast === 180 && bWest === -180) || (bEast === 180 && aWest === -180),
    ),
  );
}
