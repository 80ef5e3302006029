import { ValidationError } from '../errors/index.js';
import { type Bbox, splitAntimeridian, validateBbox } from './bbox.js';

/**
 * Web-mercator (EPSG:3857) XYZ tiles as used by the Blue Marble sample kit: 256 px, 2^z x 2^z tiles, x from
 * the west, y from the north. Latitudes beyond ±MAX_MERCATOR_LAT are not representable and are clamped.
 */
export const MERCATOR_TILE_SIZE = 256;
export const MAX_MERCATOR_LAT = (Math.atan(Math.sinh(Math.PI)) * 180) / Math.PI; // 85.0511287798066

export interface MercatorTile {
  z: number;
  x: number;
  y: number;
}

function assertZoom(z: number): number {
  if (!Number.isInteger(z) || z < 0 || z > 30) {
    throw new ValidationError(`mercator zoom must be an integer in [0, 30], got ${z}`, { code: 'TILE_OUT_OF_RANGE' });
  }
  return 2 ** z;
}

function latOfRow(y: number, n: number): number {
  return (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI;
}

function lonOfCol(x: number, n: number): number {
  return (x / n) * 360 - 180;
}

/** Extent of tile z/x/y in degrees; the top row reaches MAX_MERCATOR_LAT, the bottom row its negative. */
export function mercatorTileBbox(z: number, x: number, y: number): Bbox {
  const n = assertZoom(z);
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= n || y >= n) {
    throw new ValidationError(`mercator tile ${z}/${x}/${y} is outside the ${n}x${n} matrix`, { code: 'TILE_OUT_OF_RANGE' });
  }
  return [lonOfCol(x, n), latOfRow(y + 1, n), lonOfCol(x + 1, n), latOfRow(y, n)];
}

/**
 * The tile containing a point (latitude clamped to the mercator range); points on a shared edge go to the
 * east / south tile. The guess by formula is corrected against the same edge formulas mercatorTileBbox
 * uses, so the point always lies inside the extent of its tile.
 */
export function lonLatToMercatorTile(lon: number, lat: number, z: number): MercatorTile {
  const n = assertZoom(z);
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    throw new ValidationError(`point (${lon}, ${lat}) is not a valid lon/lat`, { code: 'BAD_BBOX' });
  }
  const clampedLat = Math.max(-MAX_MERCATOR_LAT, Math.min(MAX_MERCATOR_LAT, lat));
  let x = Math.min(n - 1, Math.max(0, Math.floor(((lon + 180) / 360) * n)));
  while (x > 0 && lonOfCol(x, n) > lon) x--;
  while (x < n - 1 && lonOfCol(x + 1, n) <= lon) x++;
  const rad = (clampedLat * Math.PI) / 180;
  const yf = ((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n;
  let y = Math.min(n - 1, Math.max(0, Math.floor(Number.isFinite(yf) ? yf : 0)));
  while (y > 0 && latOfRow(y, n) < clampedLat) y--;
  while (y < n - 1 && latOfRow(y + 1, n) >= clampedLat) y++;
  return { z, x, y };
}

/**
 * Tiles whose extent intersects the box (touching edges do not count), row by row from the north. Parts of
 * the box beyond the mercator latitude range map to the top / bottom rows. minLon > maxLon crosses the
 * antimeridian.
 */
export function mercatorTilesCovering(bbox: Readonly<Bbox>, z: number): MercatorTile[] {
  validateBbox(bbox);
  const n = assertZoom(z);
  const xRanges: Array<[number, number]> = [];
  let yRange: [number, number] = [0, 0];
  for (const [minLon, minLat, maxLon, maxLat] of splitAntimeridian(bbox)) {
    const first = lonLatToMercatorTile(minLon, maxLat, z);
    const last = lonLatToMercatorTile(maxLon, minLat, z);
    let lastX = last.x;
    if (lastX > first.x && lonOfCol(lastX, n) >= maxLon) lastX--;
    let lastY = last.y;
    if (lastY > first.y && latOfRow(lastY, n) <= Math.max(-MAX_MERCATOR_LAT, minLat)) lastY--;
    xRanges.push([first.x, lastX]);
    yRange = [first.y, lastY];
  }
  const seen = new Set<number>();
  const out: MercatorTile[] = [];
  for (let y = yRange[0]; y <= yRange[1]; y++) {
    for (const [x0, x1] of xRanges) {
      for (let x = x0; x <= x1; x++) {
        if (seen.has(y * n + x)) continue;
        seen.add(y * n + x);
        out.push({ z, x, y });
      }
    }
  }
  return out;
}
