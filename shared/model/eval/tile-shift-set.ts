/**
 * The shifted-view proxy on a folder of tiles (e.g. the harvested tile store): held-out recent tiles of
 * the layers the index serves, which is what the gate should ultimately measure. Each usable tile is one
 * query: a crop of it, and as its positive the crop shifted by `shiftFraction` of its side in one of 8
 * directions; the gallery holds every tile's positive.
 *
 * Held out by position: a file whose path ends in `{date}/{tms}/{z}/{row}/{col}.{ext}` (the tile store's
 * `tiles/{layer}/{date}/{tms}/{z}/{row}/{col}` and the GIBS REST layout both do) is an EPSG:4326 tile; it is
 * used only when bboxSplit puts its whole extent on the requested side (tiles of levels below 5 span
 * several cells and are often 'mixed', so they are skipped). Paths under an `epsgNNNN` folder other than
 * epsg4326 are not EPSG:4326 tiles. A file without such a path has no known position: it is skipped unless
 * `unlocated: 'use'` says the folder is held out as a whole (nothing here can check that).
 */
import path from 'node:path';
import { ValidationError } from '../../errors/index.js';
import { listImageFiles } from '../image/index.js';
import { parseTilePathTail, tileBbox, type Bbox } from '../../tiles/index.js';
import { bboxSplit, type Split } from './place-split.js';
import type { RetrievalTask } from './place-proxy-set.js';
import { mulberry32, mixSeed, shuffled } from '../../random/index.js';
import { cropToTensor, decodeRaster, pickShiftDirection, rasterStats, type PixelRect } from './raster.js';
import { evalErrorCodes } from './eval-errors.js';

export interface TileShiftOptions {
  inputSize: number;
  /** default 'eval' */
  split?: Split;
  /** default 'skip' */
  unlocated?: 'skip' | 'use';
  /** default 0.5 */
  shiftFraction?: number;
  /** crop positions, shift directions, subsample (default 1) */
  seed?: number;
  /** at most this many tiles (a seeded subsample; default all) */
  maxImages?: number;
  minStd?: number;
  maxDarkFraction?: number;
}

export interface TileShiftSet {
  split: Split;
  inputSize: number;
  /** the tiles used, relative to the folder; `shifted.place[q]` indexes this list */
  files: string[];
  shifted: RetrievalTask;
  skipped: { otherSide: number; mixed: number; unlocated: number; uninformative: number };
}

const OTHER_PROJECTION = /(?:^|\/)epsg(?!4326\/)\d+\//i;

/** The EPSG:4326 extent of a tile file from its path, or undefined when the path does not say. */
export function tileFileBBox(relative: string): Bbox | undefined {
  if (OTHER_PROJECTION.test(relative)) return undefined;
  const tile = parseTilePathTail(relative);
  if (!tile) return undefined;
  try {
    return tileBbox(tile.z, tile.row, tile.col);
  } catch (cause) {
    throw new ValidationError(`${relative} names a tile outside the EPSG:4326 grid`, {
      code: evalErrorCodes.badPlace,
      cause,
    });
  }
}

export async function buildTileShiftSet(dir: string, options: TileShiftOptions): Promise<TileShiftSet> {
  const { inputSize } = options;
  const split = options.split ?? 'eval';
  const shiftFraction = options.shiftFraction ?? 0.5;
  const seed = options.seed ?? 1;
  const minStd = options.minStd ?? 0.04;
  const maxDark = options.maxDarkFraction ?? 0.02;
  const maxImages = options.maxImages ?? Number.POSITIVE_INFINITY;
  if (!Number.isInteger(inputSize) || inputSize < 8 || inputSize > 1024)
    throw new ValidationError(`inputSize must be an integer in 8..1024, got ${inputSize}`);
  if (!(shiftFraction > 0 && shiftFraction < 1))
    throw new ValidationError(`shiftFraction must be in (0, 1), got ${shiftFraction}`);
  if (!(maxImages >= 2)) throw new ValidationError(`maxImages must be at least 2, got ${maxImages}`);

  let files;
  try {
    files = await listImageFiles(dir);
  } catch (cause) {
    throw new ValidationError(`tile folder ${dir} cannot be read`, { code: evalErrorCodes.noDir, cause });
  }
  const skipped = { otherSide: 0, mixed: 0, unlocated: 0, uninformative: 0 };
  const located = files.filter((f) => {
    const box = tileFileBBox(f.relative);
    if (!box) {
      if (options.unlocated === 'use') return true;
      skipped.unlocated++;
      return false;
    }
    const side = bboxSplit(box);
    if (side === split) return true;
    if (side === 'mixed') skipped.mixed++;
    else skipped.otherSide++;
    return false;
  });
  const picked = shuffled(located, mulberry32(mixSeed(seed, 0x711e)))
    .slice(0, maxImages)
    .sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));

  const set: TileShiftSet = {
    split,
    inputSize,
    files: [],
    shifted: { queries: [], gallery: [], truth: [], place: [] },
    skipped,
  };
  for (const file of picked) {
    const raster = await decodeRaster(file.path);
    const short = Math.min(raster.width, raster.height);
    const side = Math.floor(short / (1 + shiftFraction));
    const step = Math.floor(side * shiftFraction);
    const rng = mulberry32(mixSeed(seed, hashString(file.relative)));
    const [dx, dy] = pickShiftDirection(rng);
    // query position chosen so the shifted crop stays inside the image
    const left = Math.max(0, -dx * step) + Math.floor(rng() * (raster.width - side - step + 1));
    const top = Math.max(0, -dy * step) + Math.floor(rng() * (raster.height - side - step + 1));
    const query: PixelRect = { left, top, width: side, height: side };
    const positive: PixelRect = { left: left + dx * step, top: top + dy * step, width: side, height: side };
    const ok = [query, positive].every((r) => {
      const s = rasterStats(raster, r);
      return s.meanStd >= minStd && s.darkFraction <= maxDark;
    });
    if (side < 8 || !ok) {
      skipped.uninformative++;
      continue;
    }
    const q = set.shifted.queries.length;
    set.shifted.queries.push(await cropToTensor(raster, query, inputSize));
    set.shifted.gallery.push(await cropToTensor(raster, positive, inputSize));
    set.shifted.truth.push(q);
    set.shifted.place.push(set.files.length);
    set.files.push(file.relative);
  }
  if (set.shifted.queries.length < 2) {
    throw new ValidationError(
      `tile folder ${path.resolve(dir)}: ${set.shifted.queries.length} usable tiles on the '${split}' side (skipped: ${JSON.stringify(skipped)})`,
      { code: evalErrorCodes.noQueries },
    );
  }
  return set;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
