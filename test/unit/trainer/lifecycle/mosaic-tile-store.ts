import sharp from 'sharp';
import type { BlobStore } from '../../../../shared/blob/index.js';
import { splitCells, type Split } from '../../../../shared/model/eval/index.js';
import { tileBlobKey } from '../../../../shared/tiles/index.js';
import { tiles } from '../../../support/data-kit.js';

export const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';

export interface MosaicTileStoreOptions {
  /** informative cells of each side of the evaluation split, filed as level-5 tiles */
  cells: Record<Split, number>;
  /** every cell is filed once per date (same pixels: only the key's date differs) */
  dates: string[];
  /** side of the stored JPEG tiles in pixels (GIBS's are 512; smaller keeps the tests fast) */
  size: number;
}

export interface MosaicTileStore {
  keys: string[];
  cells: Record<Split, { row: number; col: number }[]>;
}

/** Mean per-channel standard deviation, dark fraction and mean of an RGB patch in [0, 1]. */
function patchStats(raw: Buffer, width: number, x0: number, y0: number, w: number, h: number) {
  let sum = 0;
  let sumSq = 0;
  let dark = 0;
  for (let y = y0; y < y0 + h; y++) {
    for (let x = x0; x < x0 + w; x++) {
      const i = (y * width + x) * 3;
      const v = (raw[i] + raw[i + 1] + raw[i + 2]) / 765;
      sum += v;
      sumSq += v * v;
      if (v < 0.03) dark++;
    }
  }
  const n = w * h;
  const mean = sum / n;
  return { std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), dark: dark / n };
}

/**
 * A real tile store cut from the kit's MODIS Terra true-colour mosaic (2020-09-27): each chosen 9° cell of
 * the evaluation split is filed under its level-5 tile key (a level-5 tile is exactly one cell), so the
 * trainer masks nothing of the 'train' cells and the gate evaluates on the 'eval' ones. Cells of open ocean
 * or night are skipped: the evaluation would drop them as uninformative.
 */
export async function fillMosaicTileStore(blobs: BlobStore, options: MosaicTileStoreOptions): Promise<MosaicTileStore> {
  const { data, info } = await sharp(tiles.modisMosaic).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pxPerDeg = info.width / 360;
  const keys: string[] = [];
  const chosen: Record<Split, { row: number; col: number }[]> = { train: [], eval: [] };
  for (const split of ['train', 'eval'] as const) {
    for (const cell of splitCells(split)) {
      if (chosen[split].length >= options.cells[split]) break;
      const x0 = Math.round(cell.col * 9 * pxPerDeg);
      const y0 = Math.round(cell.row * 9 * pxPerDeg);
      const side = Math.min(Math.round(9 * pxPerDeg), info.width - x0, info.height - y0);
      const stats = patchStats(data, info.width, x0, y0, side, side);
      if (stats.std < 0.08 || stats.dark > 0.01) continue;
      const jpeg = await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
        .extract({ left: x0, top: y0, width: side, height: side })
        .resize(options.size, options.size)
        .jpeg({ quality: 90 })
        .toBuffer();
      for (const date of options.dates) {
        const key = tileBlobKey({ layer: MODIS, date, tms: '250m', z: 5, row: cell.row, col: cell.col }, 'jpg');
        await blobs.put(key, jpeg);
        keys.push(key);
      }
      chosen[split].push({ row: cell.row, col: cell.col });
    }
  }
  return { keys, cells: chosen };
}
