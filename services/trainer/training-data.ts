import type { BlobStore } from '../../shared/blob/index.js';
import { ValidationError } from '../../shared/errors/index.js';
import { maskEvalCells } from '../../shared/model/eval/index.js';
import { createImageDataset, loadImageDataset, type ImageDataset } from './data/index.js';
import { decodeToTensor } from '../../shared/model/image/index.js';
import { isIsoDate } from '../../shared/gibs/index.js';
import { TILE_BLOB_PREFIX, parseTileBlobKey, tileBbox } from '../../shared/tiles/index.js';
import { trainerErrorCodes } from './trainer-errors.js';

/** Where training images come from: any folder of JPEG/PNG (scenes cut into tiles), or the harvested tile store. */
export type TrainingSource = { kind: 'dir'; dir: string } | { kind: 'store'; blobs: BlobStore };

export interface DataWindow {
  from: string;
  to: string;
  layers?: string[];
  images: number;
}

/** The tile formats the harvester stores (and decodeToTensor reads). */
const TILE_EXTENSIONS = new Set(['jpg', 'png']);

export interface LoadedTrainingData {
  dataset: ImageDataset;
  window: DataWindow;
  /** tiles left out: (almost) wholly in the evaluation's held-out cells, or not placeable from their key */
  heldOut: number;
}

/** A tile more held out than this is not worth training on. */
const MAX_MASKED_SHARE = 0.9;

/**
 * Loads the training images. From the tile store, every pixel in the evaluation's held-out cells is
 * blacked out (coarse tiles span cells of both sides), so the gate never evaluates a checkpoint on places
 * it was trained on; tiles that are (almost) all held out are skipped.
 */
export async function loadTrainingData(
  source: TrainingSource,
  options: { inputSize: number; maxImages?: number },
): Promise<LoadedTrainingData> {
  if (source.kind === 'dir') {
    const dataset = await loadImageDataset({
      dir: source.dir,
      inputSize: options.inputSize,
      maxImages: options.maxImages,
      skipBlank: true,
    });
    if (dataset.size === 0)
      throw new ValidationError(`no usable JPEG/PNG images under ${source.dir}`, {
        code: trainerErrorCodes.noTrainingData,
      });
    const dates = dataset.sources
      .flatMap((s) => s.match(/\d{4}-\d{2}-\d{2}/g) ?? [])
      .filter(isIsoDate)
      .sort();
    return {
      dataset,
      window: { from: dates[0] ?? 'unknown', to: dates[dates.length - 1] ?? 'unknown', images: dataset.size },
      heldOut: 0,
    };
  }

  const images: Float32Array[] = [];
  const sources: string[] = [];
  const dates: string[] = [];
  const layers = new Set<string>();
  let heldOut = 0;
  for await (const key of source.blobs.list(TILE_BLOB_PREFIX)) {
    if (options.maxImages !== undefined && images.length >= options.maxImages) break;
    const tile = parseTileBlobKey(key);
    if (!tile || !TILE_EXTENSIONS.has(tile.ext)) {
      heldOut++;
      continue;
    }
    const bytes = await source.blobs.get(key);
    if (!bytes) continue; // deleted since it was listed
    const image = await decodeToTensor(bytes, options.inputSize);
    const bbox = tileBbox(tile.z, tile.row, tile.col);
    if (maskEvalCells(image, options.inputSize, options.inputSize, bbox) > MAX_MASKED_SHARE) {
      heldOut++;
      continue;
    }
    images.push(image);
    sources.push(key);
    dates.push(tile.date);
    layers.add(tile.layer);
  }
  if (images.length === 0) {
    throw new ValidationError(
      `the tile store holds no training tiles (${heldOut} tiles lie in the evaluation's held-out cells or have unknown places)`,
      { code: trainerErrorCodes.noTrainingData },
    );
  }
  dates.sort();
  const dataset = createImageDataset(images, sources, options.inputSize);
  return {
    dataset,
    window: { from: dates[0], to: dates[dates.length - 1], layers: [...layers].sort(), images: images.length },
    heldOut,
  };
}
