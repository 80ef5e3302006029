/**
 * The evaluation sets the gate and `gibs-embed eval` use, each built only from what configuration names
 * (never from file names of a data folder, so the gate runs on a deployment's own data): the labeled set
 * (a folder with one sub-folder per class), the place proxy (whole-globe EPSG:4326 mosaic images) and the
 * tile proxy (a tile folder, e.g. the tile store, of which only held-out places are used). Defaults are the
 * gate's: 16 crops per labeled scene, held-out ('eval') places with seed 1. Pass a RasterCache to reuse
 * decoded mosaics across calls (the trainer evaluates after every run).
 */
import { ValidationError } from '../../errors/index.js';
import type { EvalSets } from './evaluate.js';
import { buildLabeledSet } from './labeled-set.js';
import { buildPlaceProxySet, type PlaceProxyMosaics } from './place-proxy-set.js';
import type { RasterCache } from './raster.js';
import { buildTileShiftSet } from './tile-shift-set.js';
import { evalErrorCodes } from './eval-errors.js';

export interface BuildEvalSetsOptions {
  inputSize: number;
  /** labeled set: `<dir>/<class>/<image>` */
  labeledDir?: string;
  /** place proxy: whole-globe EPSG:4326 mosaics (see place-proxy-set.ts); crossSource adds the cross-source task */
  mosaics?: PlaceProxyMosaics;
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
  if (options.labeledDir === undefined && options.mosaics === undefined && options.tilesDir === undefined) {
    throw new ValidationError('evaluation needs a labeled folder, global mosaics or a tiles folder', {
      code: evalErrorCodes.empty,
    });
  }
  const seed = options.seed ?? 1;
  const [labeled, proxy, tiles] = await Promise.all([
    options.labeledDir === undefined
      ? undefined
      : buildLabeledSet(options.labeledDir, {
          inputSize: options.inputSize,
          cropsPerImage: options.cropsPerImage,
          seed,
        }),
    options.mosaics === undefined
      ? undefined
      : buildPlaceProxySet({
          mosaics: options.mosaics,
          inputSize: options.inputSize,
          split: 'eval',
          seed,
          cache: options.cache,
        }),
    options.tilesDir === undefined
      ? undefined
      : buildTileShiftSet(options.tilesDir, {
          inputSize: options.inputSize,
          split: 'eval',
          seed,
          unlocated: options.unlocatedTiles,
        }),
  ]);
  return { labeled, proxy, tiles };
}
