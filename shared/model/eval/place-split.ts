/**
 * The held-out split of the world. The trainer must never see pixels the gate evaluates on, so places are
 * split geographically, by a fixed function of position that both sides compute independently:
 *
 * - the world is cut into 9° × 9° cells aligned with the GIBS EPSG:4326 level-5 tiles (origin -180, 90;
 *   288 / 2^5 = 9°), so every GIBS tile at level ≥ 5 lies in exactly one cell;
 * - a cell is 'eval' when a fixed integer hash of (col, row) falls below EVAL_FRACTION, else 'train'.
 *
 * Nothing here depends on a seed or on the data: changing these constants changes which pixels count as
 * held out, and invalidates every comparison with earlier checkpoints.
 */
import { ValidationError } from '../../errors/index.js';
import type { Bbox } from '../../tiles/index.js';
import { evalErrorCodes } from './eval-errors.js';

export type Split = 'train' | 'eval';

export const SPLIT_CELL_DEG = 9;
export const SPLIT_COLS = 360 / SPLIT_CELL_DEG; // 40
export const SPLIT_ROWS = 180 / SPLIT_CELL_DEG; // 20
export const EVAL_FRACTION = 0.25;
const SPLIT_SALT = 0x5eed_ca11;

export interface SplitCell {
  col: number;
  row: number;
  bbox: Bbox;
  split: Split;
}

// murmur3's 32-bit finaliser over the cell coordinates: well mixed, identical on every platform
function hashCell(col: number, row: number): number {
  let h = Math.imul(col + 1, 0x9e3779b1) ^ Math.imul(row + 1, 0x85ebca77) ^ SPLIT_SALT;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

export function cellSplit(col: number, row: number): Split {
  if (
    !Number.isInteger(col) ||
    !Number.isInteger(row) ||
    col < 0 ||
    col >= SPLIT_COLS ||
    row < 0 ||
    row >= SPLIT_ROWS
  ) {
    throw new ValidationError(`split cell (${col}, ${row}) is outside the ${SPLIT_COLS}x${SPLIT_ROWS} grid`, {
      code: evalErrorCodes.badPlace,
    });
  }
  return hashCell(col, row) < EVAL_FRACTION ? 'eval' : 'train';
}

export function cellBBox(col: number, row: number): Bbox {
  const minLon = -180 + col * SPLIT_CELL_DEG;
  const maxLat = 90 - row * SPLIT_CELL_DEG;
  return [minLon, maxLat - SPLIT_CELL_DEG, minLon + SPLIT_CELL_DEG, maxLat];
}

function checkLonLat(lon: number, lat: number): void {
  if (!Number.isFinite(lon) || !Number.isFinite(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90) {
    throw new ValidationError(`(${lon}, ${lat}) is not a longitude/latitude in degrees`, {
      code: evalErrorCodes.badPlace,
    });
  }
}

/** The cell holding a point; points on a boundary belong to the cell east / south of it (edges clamp). */
export function placeCell(lon: number, lat: number): { col: number; row: number } {
  checkLonLat(lon, lat);
  const col = Math.min(SPLIT_COLS - 1, Math.floor((lon + 180) / SPLIT_CELL_DEG));
  const row = Math.min(SPLIT_ROWS - 1, Math.floor((90 - lat) / SPLIT_CELL_DEG));
  return { col, row };
}

/** Which side of the split a point is on. */
export function placeSplit(lon: number, lat: number): Split {
  const { col, row } = placeCell(lon, lat);
  return cellSplit(col, row);
}

/**
 * Which side of the split a whole box is on: 'mixed' when it touches cells of both sides. A training crop
 * is allowed only when this says 'train' (a crop whose centre is in a train cell may still reach into an
 * eval cell). Boxes reaching past ±180 / ±90 (GIBS edge tiles) are clipped to the world first; touching a
 * cell only along its edge does not count.
 */
export function bboxSplit(bbox: Bbox): Split | 'mixed' {
  const [minLon, minLat, maxLon, maxLat] = bbox;
  if (![minLon, minLat, maxLon, maxLat].every(Number.isFinite) || minLon >= maxLon || minLat >= maxLat) {
    throw new ValidationError(`bbox ${JSON.stringify(bbox)} is not [minLon, minLat, maxLon, maxLat] with min < max`, {
      code: evalErrorCodes.badPlace,
    });
  }
  const x0 = Math.max(-180, minLon),
    x1 = Math.min(180, maxLon);
  const y0 = Math.max(-90, minLat),
    y1 = Math.min(90, maxLat);
  if (x0 >= x1 || y0 >= y1)
    throw new ValidationError(`bbox ${JSON.stringify(bbox)} lies outside the world`, { code: evalErrorCodes.badPlace });
  const c0 = Math.floor((x0 + 180) / SPLIT_CELL_DEG),
    c1 = Math.ceil((x1 + 180) / SPLIT_CELL_DEG) - 1;
  const r0 = Math.floor((90 - y1) / SPLIT_CELL_DEG),
    r1 = Math.ceil((90 - y0) / SPLIT_CELL_DEG) - 1;
  let seen: Split | undefined;
  for (let row = r0; row <= r1; row++) {
    for (let col = c0; col <= c1; col++) {
      const s = cellSplit(col, row);
      if (seen !== undefined && s !== seen) return 'mixed';
      seen = s;
    }
  }
  return seen as Split;
}

/** Every cell of one side, west to east within north-to-south rows. */
export function splitCells(split: Split): SplitCell[] {
  const cells: SplitCell[] = [];
  for (let row = 0; row < SPLIT_ROWS; row++) {
    for (let col = 0; col < SPLIT_COLS; col++) {
      const s = cellSplit(col, row);
      if (s === split) cells.push({ col, row, bbox: cellBBox(col, row), split: s });
    }
  }
  return cells;
}

/**
 * Blacks out (in place) every pixel of an HWC image covering `bbox` that lies in an eval cell, dilated by
 * `marginPx` so resampling that smeared eval pixels into their neighbours is blacked out too; pixels past
 * the world's edge count as held out. Returns the share of pixels blacked out. This is how coarse tiles,
 * which span cells of both sides, can still feed the trainer: black is GIBS's no-data value, and the
 * evaluation never sees a pixel the trainer saw.
 */
export function maskEvalCells(image: Float32Array, width: number, height: number, bbox: Bbox, marginPx = 2): number {
  if (image.length !== width * height * 3)
    throw new ValidationError(`image has ${image.length} values, expected ${width}x${height}x3`, {
      code: evalErrorCodes.badPlace,
    });
  const [minLon, minLat, maxLon, maxLat] = bbox;
  const dx = (maxLon - minLon) / width;
  const dy = (maxLat - minLat) / height;
  const heldOut = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const lon = minLon + (x + 0.5) * dx;
      const lat = maxLat - (y + 0.5) * dy;
      const outside = lon < -180 || lon > 180 || lat < -90 || lat > 90;
      if (outside || placeSplit(lon, lat) === 'eval') heldOut[y * width + x] = 1;
    }
  }
  let masked = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let near = false;
      for (let yy = Math.max(0, y - marginPx); yy <= Math.min(height - 1, y + marginPx) && !near; yy++) {
        for (let xx = Math.max(0, x - marginPx); xx <= Math.min(width - 1, x + marginPx); xx++) {
          if (heldOut[yy * width + xx]) {
            near = true;
            break;
          }
        }
      }
      if (near) {
        image.fill(0, (y * width + x) * 3, (y * width + x) * 3 + 3);
        masked++;
      }
    }
  }
  return masked / (width * height);
}
