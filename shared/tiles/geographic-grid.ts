import { ValidationError } from '../errors/index.js';
import { type Bbox, splitAntimeridian, validateBbox } from './bbox.js';
import { tilesErrorCodes } from './tiles-errors.js';

/**
 * The GIBS EPSG:4326 tile grid: 512 px tiles, origin (-180, 90), rows counted from the north. Level z has
 * 0.5625 / 2^z degrees per pixel, so a tile spans 288 / 2^z degrees and the last column / row reach past
 * 180 E / 90 S (the matrix is ceil(360/span) x ceil(180/span)).
 */
export const TILE_SIZE = 512;

export interface TileIndex {
  z: number;
  row: number;
  col: number;
}

function assertLevel(z: number): void {
  if (!Number.isInteger(z) || z < 0 || z > 30) {
    throw new ValidationError(`tile level must be an integer in [0, 30], got ${z}`, {
      code: tilesErrorCodes.tileOutOfRange,
    });
  }
}

export function degreesPerPixel(z: number): number {
  assertLevel(z);
  return 0.5625 / 2 ** z;
}

export function tileSpanDegrees(z: number): number {
  assertLevel(z);
  return 288 / 2 ** z;
}

export function matrixSize(z: number): { cols: number; rows: number } {
  const span = tileSpanDegrees(z);
  return { cols: Math.ceil(360 / span), rows: Math.ceil(180 / span) };
}

/** Throws TILE_OUT_OF_RANGE unless row/col are integers inside the level's matrix. */
export function assertInMatrix(z: number, row: number, col: number): void {
  const { cols, rows } = matrixSize(z);
  if (!Number.isInteger(row) || !Number.isInteger(col) || row < 0 || col < 0 || row >= rows || col >= cols) {
    throw new ValidationError(`tile ${z}/${row}/${col} is outside the ${cols}x${rows} matrix of level ${z}`, {
      code: tilesErrorCodes.tileOutOfRange,
    });
  }
}

/** The true extent of a tile; the last column/row extend past 180 E / 90 S (use clampBbox for the valid part). */
export function tileBbox(z: number, row: number, col: number): Bbox {
  assertInMatrix(z, row, col);
  const span = tileSpanDegrees(z);
  return [-180 + col * span, 90 - (row + 1) * span, -180 + (col + 1) * span, 90 - row * span];
}

/**
 * The tile containing a point; points on a shared edge go to the east / south tile, 180 E to the last
 * column, 90 S to the last row. The first guess by division is corrected against exactly the edge formulas
 * tileBbox uses, so a point and the extent of its tile never disagree by a rounding step.
 */
export function tileAt(lon: number, lat: number, z: number): TileIndex {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    throw new ValidationError(`point (${lon}, ${lat}) is not a valid lon/lat`, { code: tilesErrorCodes.badBbox });
  }
  const span = tileSpanDegrees(z);
  const { cols, rows } = matrixSize(z);
  let col = Math.min(cols - 1, Math.max(0, Math.floor((lon + 180) / span)));
  while (col > 0 && -180 + col * span > lon) col--;
  while (col < cols - 1 && -180 + (col + 1) * span <= lon) col++;
  let row = Math.min(rows - 1, Math.max(0, Math.floor((90 - lat) / span)));
  while (row > 0 && 90 - row * span < lat) row--;
  while (row < rows - 1 && 90 - (row + 1) * span >= lat) row++;
  return { z, row, col };
}

/**
 * Tiles whose extent intersects the box (edges touching from outside do not count), row by row from the
 * north, each row west to east from the box's western edge. A box with minLon > maxLon crosses the antimeridian and yields the tiles of both sides.
 */
export function tilesCovering(bbox: Readonly<Bbox>, z: number): TileIndex[] {
  validateBbox(bbox);
  const span = tileSpanDegrees(z);
  const { cols, rows } = matrixSize(z);
  const colRanges: Array<[number, number]> = [];
  let rowRange: [number, number] = [0, 0];
  for (const part of splitAntimeridian(bbox)) {
    const [minLon, minLat, maxLon, maxLat] = part;
    const first = tileAt(minLon, maxLat, z);
    const last = tileAt(maxLon, minLat, z);
    // A max edge lying exactly on a tile edge only touches the next tile: step back into the box.
    let lastCol = last.col;
    if (lastCol > first.col && -180 + lastCol * span >= maxLon) lastCol--;
    let lastRow = last.row;
    if (lastRow > first.row && 90 - lastRow * span <= minLat) lastRow--;
    colRanges.push([first.col, lastCol]);
    rowRange = [first.row, lastRow];
  }
  const seen = new Set<number>();
  const out: TileIndex[] = [];
  for (let row = rowRange[0]; row <= rowRange[1] && row < rows; row++) {
    for (const [c0, c1] of colRanges) {
      for (let col = c0; col <= c1 && col < cols; col++) {
        const key = row * cols + col;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ z, row, col });
      }
    }
  }
  return out;
}
