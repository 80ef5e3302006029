import { readFile } from 'node:fs/promises';
import { AppError, ValidationError, errorCodes } from '../../../shared/errors/index.js';
import { computeChannelStats, type ChannelStats } from '../../../shared/model/image/index.js';
import { cutScene } from './cut-scene.js';
import { isBlankImage } from '../../../shared/model/image/decode-image.js';
import { listImages } from '../../../shared/model/image/list-images.js';
import { dataErrorCodes, datasetSkipCodes, type DatasetSkipCode } from './data-errors.js';

/** Decoded training/evaluation images held in memory. */
export interface ImageDataset {
  /** number of images */
  size: number;
  /** side of every image in pixels */
  inputSize: number;
  /** HWC float32 RGB in [0, 1], inputSize × inputSize × 3 each */
  images: Float32Array[];
  /** the file each image came from (the crops of one scene share it) */
  sources: string[];
  /** per-channel statistics of `images` (or the ones passed in) */
  stats: ChannelStats;
  /** files left out, and why (blank tiles with skipBlank, bad bytes with skipUndecodable) */
  skipped: { source: string; code: DatasetSkipCode; reason: string }[];
  /** images at `indices` gathered into one NHWC array */
  batch(indices: readonly number[]): Float32Array;
}

export interface LoadImageDatasetOptions {
  /** every JPEG/PNG under this directory (recursively, sorted) … */
  dir?: string;
  /** … or exactly these files, in this order */
  files?: readonly string[];
  /** side of the produced images */
  inputSize: number;
  /** scenes larger than this are cut into squares of this side first; default 512 */
  tileSize?: number;
  /** stop once this many images are loaded (files are read in order) */
  maxImages?: number;
  /** leave out images that decode to all black (GIBS no-data tiles); default false */
  skipBlank?: boolean;
  /** record undecodable files in `skipped` instead of failing the whole load; default false */
  skipUndecodable?: boolean;
  /** use these statistics instead of computing them (e.g. the current checkpoint's) */
  stats?: ChannelStats;
  /** files decoded at once (sharp decodes on libuv's thread pool); default 4 */
  concurrency?: number;
}

export async function loadImageDataset(options: LoadImageDatasetOptions): Promise<ImageDataset> {
  if ((options.dir === undefined) === (options.files === undefined))
    throw new ValidationError('loadImageDataset: pass exactly one of `dir` or `files`');
  const { inputSize } = options;
  if (!Number.isInteger(inputSize) || inputSize < 1)
    throw new ValidationError(`loadImageDataset: inputSize must be a positive integer, got ${inputSize}`);
  const maxImages = options.maxImages ?? Number.POSITIVE_INFINITY;
  if (!(maxImages >= 1)) throw new ValidationError(`loadImageDataset: maxImages must be >= 1, got ${maxImages}`);
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ValidationError(`loadImageDataset: concurrency must be a positive integer, got ${concurrency}`);
  const files = options.files ? [...options.files] : await listImages(options.dir!);

  const images: Float32Array[] = [];
  const sources: string[] = [];
  const skipped: ImageDataset['skipped'] = [];
  // Files go in windows of `concurrency`, results kept in file order: the dataset is the same on every run.
  for (let start = 0; start < files.length && images.length < maxImages; start += concurrency) {
    const window = files.slice(start, start + concurrency);
    const settled = await Promise.allSettled(
      window.map((file) => loadFile(file, inputSize, options.tileSize ?? 512, options.skipUndecodable ?? false)),
    );
    // the first failure in file order, not in completion order: the same input fails the same way every run
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const results = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof loadFile>>>).value);
    results.forEach((result, k) => {
      const source = window[k];
      if ('undecodable' in result) {
        skipped.push({ source, code: datasetSkipCodes.undecodable, reason: result.undecodable.message });
        return;
      }
      for (const image of result.images) {
        if (images.length >= maxImages) return;
        if (options.skipBlank && isBlankImage(image)) {
          skipped.push({
            source,
            code: datasetSkipCodes.blank,
            reason: 'all pixels black or transparent (no-data tile)',
          });
          continue;
        }
        images.push(image);
        sources.push(source);
      }
    });
  }
  if (images.length === 0) {
    throw new AppError(
      dataErrorCodes.emptyDataset,
      `no usable images among ${files.length} files (${skipped.length} skipped)`,
      {
        retriable: false,
      },
    );
  }
  return createImageDataset(images, sources, inputSize, options.stats ?? computeChannelStats(images), skipped);
}

/** Wraps images already in memory (e.g. built by a test or received from another thread). */
export function createImageDataset(
  images: Float32Array[],
  sources: string[],
  inputSize: number,
  stats: ChannelStats = computeChannelStats(images),
  skipped: ImageDataset['skipped'] = [],
): ImageDataset {
  const per = inputSize * inputSize * 3;
  images.forEach((image, i) => {
    if (image.length !== per)
      throw new ValidationError(
        `image ${i} holds ${image.length} values, expected ${inputSize}x${inputSize}x3 = ${per}`,
      );
  });
  if (sources.length !== images.length)
    throw new ValidationError(`${sources.length} sources for ${images.length} images`);
  return {
    size: images.length,
    inputSize,
    images,
    sources,
    stats,
    skipped,
    batch(indices) {
      const out = new Float32Array(indices.length * per);
      indices.forEach((index, k) => {
        const image = images[index];
        if (!Number.isInteger(index) || image === undefined)
          throw new RangeError(`batch: index ${index} outside 0..${images.length - 1}`);
        out.set(image, k * per);
      });
      return out;
    },
  };
}

async function loadFile(
  file: string,
  inputSize: number,
  tileSize: number,
  skipUndecodable: boolean,
): Promise<{ images: Float32Array[] } | { undecodable: AppError }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AppError(errorCodes.imageUnreadable, `cannot read ${file}: ${code ?? String(error)}`, {
      retriable: code === 'EMFILE' || code === 'ENFILE' || code === 'EAGAIN' || code === 'EIO',
      cause: error,
    });
  }
  try {
    return { images: await cutScene(bytes, { tileSize, outSize: inputSize }) };
  } catch (error) {
    if (error instanceof AppError && error.code === errorCodes.undecodable) {
      const named = new AppError(errorCodes.undecodable, `${file}: ${error.message}`, {
        retriable: false,
        cause: error,
      });
      if (skipUndecodable) return { undecodable: named };
      throw named;
    }
    throw error;
  }
}
