/**
 * The evaluation sets the gate and `gibs-embed eval` use, built from folders: the labeled set (one folder
 * per class), the place proxy (a data folder holding gibs/mosaic/) and the tile proxy (a tile folder). Defaults are the gate's: 16 crops per
 * labeled scene, place proxy on the 'eval' split with seed 1. Pass a RasterCache to reuse decoded mosaics
 * across calls (the trainer evaluates after every run).
 */
import { ValidationError } from '../../errors/index.js';
import type { EvalSets } from './evaluate.js';
import { buildLabeledSet } from './labeled-set.js';
import { buildPlaceProxySet } from './place-proxy-set.js';
import type { RasterCache } from './raster.js';
import { buildTileShiftSet } from './tile-shift-set.js';

export interface BuildEvalSetsOptions {
  inputSize: number;
  /** labeled set: `<dir>/<class>/<image>` */
  labeledDir?: string;
  /** data folder holding gibs/mosaic/ (../shared/data) for the place proxy */
  imagesDir?: string;
  /** a folder of tiles (e.g. the tile store) for the tile shifted-view proxy; eval-side tiles only */
  tilesDir?: string;
  /** with tilesDir: also use files whose path gives no tile position (the folder is held out as a whole) */
  unlocatedTiles?: 'skip' | 'use';
  /** crop positions and place positions (default 1); keep it fixed, or reports stop being comparable */
  seed?: number;
  cropsPerImage?: number;
  cache?: RasterCache;
}

export async function buildEvalSets(options: BuildEvalSetsOptions): Promise<EvalSets> {
  if (options.labeledDir === undefined && options.imagesDir === undefined && options.tilesDir === undefined) {
    throw new ValidationError('evaluation needs a labeled folder, an images (mosaics) folder or a tiles folder', { code: 'EVAL_EMPTY' });
  }
  const seed = options.seed ?? 1;
  const [labeled, proxy, tiles] = await Promise.all([
    options.labeledDir === undefined ? undefined
      : buildLabeledSet(options.labeledDir, { inputSize: options.inputSize, cropsPerImage: options.cropsPerImage, seed }),
    options.imagesDir === undefined ? undefined
      : buildPlaceProxySet({ dataDir: options.imagesDir, inputSize: options.inputSize, split: 'eval', seed, cache: options.cache }),
    options.tilesDir === undefined ? undefined
      : buildTileShiftSet(options.tilesDir, { inputSize: options.inputSize, split: 'eval', seed, unlocated: options.unlocatedTiles }),
  ]);
  return { labeled, proxy, tiles };
}
