import type { BlobStore } from '../../shared/blob/index.js';
import { ValidationError } from '../../shared/errors/index.js';
import { bboxSplit } from '../../shared/model/eval/index.js';
import { createImageDataset, decodeToTensor, loadImageDataset, type ImageDataset } from '../../shared/model/data/index.js';
import { clampBbox, tileBbox } from '../../shared/tiles/index.js';

/** Where training images come from: any folder of JPEG/PNG (scenes cut into tiles), or the harvested tile store. */
export type TrainingSource = { kind: 'dir'; dir: string } | { kind: 'store'; blobs: BlobStore };

export interface DataWindow {
  from: string;
  to: string;
  layers?: string[];
  images: number;
}

/** `tiles/{layer}/{date}/{tms}/{z}/{row}/{col}.{ext}`, as the harvester files them */
const TILE_KEY = /^tiles\/([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/(\d+)\/(\d+)\/(\d+)\.(jpg|png)$/;

export interface LoadedTrainingData {
  dataset: ImageDataset;
  window: DataWindow;
  /** tiles left out because they lie in the evaluation's held-out cells (or could not be placed) */
  heldOut: number;
}

/**
 * Loads the training images. From the tile store only tiles wholly inside the *train* cells of the
 * evaluation's place split are used: the gate evaluates on the other cells, so a checkpoint is never
 * evaluated on places it was trained on. (Coarse tiles span several cells and are therefore held out:
 * harvest level 5 or finer for training data.)
 */
export async function loadTrainingData(source: TrainingSource, options: { inputSize: number; maxImages?: number }): Promise<LoadedTrainingData> {
  if (source.kind === 'dir') {
    const dataset = await loadImageDataset({ dir: source.dir, inputSize: options.inputSize, maxImages: options.maxImages, skipBlank: true });
    if (dataset.size === 0) throw new ValidationError(`no usable JPEG/PNG images under ${source.dir}`, { code: 'NO_TRAINING_DATA' });
    const dates = dataset.sources.flatMap((s) => s.match(/\d{4}-\d{2}-\d{2}/g) ?? []).sort();
    return { dataset, window: { from: dates[0] ?? 'unknown', to: dates[dates.length - 1] ?? 'unknown', images: dataset.size }, heldOut: 0 };
  }

  const images: Float32Array[] = [];
  const sources: string[] = [];
  const dates: string[] = [];
  const layers = new Set<string>();
  let heldOut = 0;
  for await (const key of source.blobs.list('tiles/')) {
    if (options.maxImages !== undefined && images.length >= options.maxImages) break;
    const match = TILE_KEY.exec(key);
    const [z, row, col] = match ? [Number(match[4]), Number(match[5]), Number(match[6])] : [];
    if (!match || match[3] === undefined || bboxSplit(clampBbox(tileBbox(z!, row!, col!))) !== 'train') {
      heldOut++;
      continue;
    }
    const bytes = await source.blobs.get(key);
    if (!bytes) continue; // deleted since it was listed
    images.push(await decodeToTensor(bytes, options.inputSize));
    sources.push(key);
    dates.push(match[2]);
    layers.add(match[1]);
  }
  if (images.length === 0) {
    throw new ValidationError(`the tile store holds no training tiles (${heldOut} held out for evaluation or unplaceable); harvest level 5 or finer`, { code: 'NO_TRAINING_DATA' });
  }
  dates.sort();
  const dataset = createImageDataset(images, sources, options.inputSize);
  return { dataset, window: { from: dates[0], to: dates[dates.length - 1], layers: [...layers].sort(), images: images.length }, heldOut };
}

