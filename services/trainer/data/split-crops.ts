/**
 * Crops of the global mosaics that lie entirely on one side of the held-out split: with split 'train',
 * training data that can never overlap a pixel the gate evaluates on (the place proxy uses 'eval' cells).
 * A regular grid of `cropDeg` squares every `strideDeg`; a crop is kept only when bboxSplit says its whole
 * box is on the requested side (a crop reaching into an eval cell is dropped, not clipped) and it is
 * informative by the place proxy's rule (no-data black ≤ `maxDarkFraction`, mean channel std ≥ `minStd`).
 */
import path from 'node:path';
import { ValidationError } from '../../../shared/errors/index.js';
import { bboxSplit, type Split } from '../../../shared/model/eval/place-split.js';
import type { Bbox } from '../../../shared/tiles/index.js';
import { bboxToRect } from '../../../shared/model/eval/place-proxy-set.js';
import { cropToTensor, rasterStats, RasterCache } from '../../../shared/model/eval/raster.js';

export type MosaicName = 'modis' | 'bluemarble';

export interface SplitCropsOptions {
  dataDir: string;
  inputSize: number;
  /** default 'train' */
  split?: Split;
  /** default 6 */
  cropDeg?: number;
  /** default 3 (neighbouring crops overlap by half) */
  strideDeg?: number;
  /** default ['modis', 'bluemarble'] */
  mosaics?: MosaicName[];
  minStd?: number;
  maxDarkFraction?: number;
  cache?: RasterCache;
}

export interface SplitCrops {
  images: Float32Array[];
  boxes: Bbox[];
  /** which mosaic each crop came from */
  mosaics: MosaicName[];
}

/** the development kit's two global mosaics, relative to `dataDir` (the gate takes its mosaics from configuration) */
const MOSAIC_FILES: Record<MosaicName, { file: string; maxWidth?: number }> = {
  modis: { file: 'gibs/mosaic/MODIS_Terra_CorrectedReflectance_TrueColor_2020-09-27_global.jpeg' },
  bluemarble: { file: 'gibs/mosaic/bluemarble_small_8192x4096.jpg', maxWidth: 4096 },
};

export async function buildSplitCrops(options: SplitCropsOptions): Promise<SplitCrops> {
  const split = options.split ?? 'train';
  const cropDeg = options.cropDeg ?? 6;
  const strideDeg = options.strideDeg ?? 3;
  const mosaics = options.mosaics ?? ['modis', 'bluemarble'];
  const minStd = options.minStd ?? 0.04;
  const maxDark = options.maxDarkFraction ?? 0.02;
  if (!Number.isInteger(options.inputSize) || options.inputSize < 8)
    throw new ValidationError(`inputSize must be an integer ≥ 8, got ${options.inputSize}`);
  if (!(cropDeg > 0 && cropDeg <= 90) || !(strideDeg > 0))
    throw new ValidationError(`cropDeg must be in (0, 90] and strideDeg > 0, got ${cropDeg}, ${strideDeg}`);
  if (mosaics.length === 0 || mosaics.some((m) => !(m in MOSAIC_FILES)))
    throw new ValidationError(`mosaics must name some of ${Object.keys(MOSAIC_FILES).join(', ')}`);
  const cache = options.cache ?? new RasterCache();

  const boxes: Bbox[] = [];
  for (let lat = 90 - cropDeg; lat >= -90 + 1e-9; lat -= strideDeg) {
    for (let lon = -180; lon + cropDeg <= 180 + 1e-9; lon += strideDeg) {
      const box: Bbox = [lon, lat, lon + cropDeg, lat + cropDeg];
      if (bboxSplit(box) === split) boxes.push(box);
    }
  }
  const out: SplitCrops = { images: [], boxes: [], mosaics: [] };
  for (const name of mosaics) {
    const { file, maxWidth } = MOSAIC_FILES[name];
    const raster = await cache.get(path.join(options.dataDir, file), { maxWidth });
    const kept = boxes.filter((box) => {
      const s = rasterStats(raster, bboxToRect(raster, box));
      return s.meanStd >= minStd && s.darkFraction <= maxDark;
    });
    for (let i = 0; i < kept.length; i += 16) {
      const chunk = kept.slice(i, i + 16);
      const images = await Promise.all(
        chunk.map((box) => cropToTensor(raster, bboxToRect(raster, box), options.inputSize)),
      );
      out.images.push(...images);
      out.boxes.push(...chunk);
      out.mosaics.push(...chunk.map(() => name));
    }
  }
  return out;
}
