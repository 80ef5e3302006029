/**
 * Decoded images held as 8-bit RGB in memory, and crops of them resized to the encoder's input. Decoding a
 * global mosaic takes ~0.1–0.5 s and ~25–100 MB, so a dataset decodes each source once and cuts every crop
 * from the raw pixels; `RasterCache` lets a process (the trainer's gate, a bench) keep them across calls.
 */
import { stat } from 'node:fs/promises';
import sharp from 'sharp';
import { AppError, ValidationError } from '../../errors/index.js';
import { evalErrorCodes } from './eval-errors.js';

export interface Raster {
  width: number;
  height: number;
  /** RGB, row-major, 3 bytes a pixel; alpha is flattened onto black (what GIBS uses for no data) */
  data: Buffer;
}

/** Pixel rectangle in a raster (integers, inside the raster). */
export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface DecodeOptions {
  /** shrink on decode so the raster is at most this wide (keeps big mosaics cheap to hold and crop) */
  maxWidth?: number;
}

export async function decodeRaster(source: string | Uint8Array, options: DecodeOptions = {}): Promise<Raster> {
  const what = typeof source === 'string' ? source : `${source.byteLength} bytes`;
  if (typeof source === 'string') {
    const info = await stat(source).catch((cause: unknown) => {
      throw new ValidationError(`image ${source} cannot be read`, { code: evalErrorCodes.notFound, cause });
    });
    if (!info.isFile()) throw new ValidationError(`image ${source} is not a file`, { code: evalErrorCodes.notFound });
  }
  try {
    let pipeline = sharp(source, { limitInputPixels: 1 << 28 })
      .flatten({ background: '#000000' })
      .removeAlpha()
      .toColourspace('srgb');
    if (options.maxWidth !== undefined)
      pipeline = pipeline.resize({ width: options.maxWidth, withoutEnlargement: true });
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    return { width: info.width, height: info.height, data };
  } catch (cause) {
    throw new ValidationError(`cannot decode image ${what}`, { code: evalErrorCodes.badImage, cause });
  }
}

/** Cuts `rect` out of the raster and resizes it to size × size; returns HWC RGB float32 in [0, 1]. */
export async function cropToTensor(raster: Raster, rect: PixelRect, size: number): Promise<Float32Array> {
  const { left, top, width, height } = rect;
  if (
    !(Number.isInteger(left) && Number.isInteger(top) && Number.isInteger(width) && Number.isInteger(height)) ||
    width < 1 ||
    height < 1 ||
    left < 0 ||
    top < 0 ||
    left + width > raster.width ||
    top + height > raster.height
  ) {
    throw new ValidationError(`crop ${JSON.stringify(rect)} is not inside a ${raster.width}x${raster.height} raster`, {
      code: evalErrorCodes.badCrop,
    });
  }
  try {
    const out = await sharp(raster.data, { raw: { width: raster.width, height: raster.height, channels: 3 } })
      .extract(rect)
      .resize(size, size, { fit: 'fill' })
      .raw()
      .toBuffer();
    const tensor = new Float32Array(out.length);
    for (let i = 0; i < out.length; i++) tensor[i] = out[i] / 255;
    return tensor;
  } catch (cause) {
    throw new AppError(evalErrorCodes.cropFailed, `cropping ${JSON.stringify(rect)} failed`, {
      retriable: false,
      cause,
    });
  }
}

/** Decodes each source once per cache; concurrent callers share the one decode in flight. */
export class RasterCache {
  private readonly entries = new Map<string, Promise<Raster>>();

  get(path: string, options: DecodeOptions = {}): Promise<Raster> {
    const key = `${path}\u0000${options.maxWidth ?? ''}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = decodeRaster(path, options);
      // a failed decode must not stay cached: the file may be fixed, and the error is rethrown to the caller
      entry.catch(() => this.entries.delete(key));
      this.entries.set(key, entry);
    }
    return entry;
  }

  clear(): void {
    this.entries.clear();
  }
}

export interface ImageStats {
  /** per-channel standard deviation of the pixel values in [0, 1], averaged over R, G, B */
  meanStd: number;
  /** fraction of pixels whose brightest channel is below 0.05: GIBS no-data (swath gaps, polar night) */
  darkFraction: number;
}

/** Statistics of an HWC RGB image in [0, 1]. */
export function imageStats(image: Float32Array): ImageStats {
  return accumulateStats(image.length / 3, (p, c) => image[p * 3 + c]);
}

/**
 * Statistics of a rectangle of a raster at its native resolution, so a decision taken on them (skip this
 * place?) does not depend on the size the crop is later resized to.
 */
export function rasterStats(raster: Raster, rect: PixelRect): ImageStats {
  const { data, width } = raster;
  return accumulateStats(rect.width * rect.height, (p, c) => {
    const x = rect.left + (p % rect.width),
      y = rect.top + Math.floor(p / rect.width);
    return data[(y * width + x) * 3 + c] / 255;
  });
}

function accumulateStats(pixels: number, value: (pixel: number, channel: number) => number): ImageStats {
  const sum = [0, 0, 0],
    sq = [0, 0, 0];
  let dark = 0;
  for (let p = 0; p < pixels; p++) {
    let max = 0;
    for (let c = 0; c < 3; c++) {
      const v = value(p, c);
      sum[c] += v;
      sq[c] += v * v;
      if (v > max) max = v;
    }
    if (max < 0.05) dark++;
  }
  let std = 0;
  for (let c = 0; c < 3; c++) {
    const mean = sum[c] / pixels;
    std += Math.sqrt(Math.max(0, sq[c] / pixels - mean * mean));
  }
  return { meanStd: std / 3, darkFraction: dark / pixels };
}

/** The eight unit steps (axis and diagonal) a shifted view may take; both place proxies draw from this one list. */
const SHIFT_DIRECTIONS: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [1, 1],
  [0, 1],
  [-1, 1],
  [-1, 0],
  [-1, -1],
  [0, -1],
  [1, -1],
];

/** One of the eight shift directions, drawn with `rng` (uniform in [0, 1)). */
export function pickShiftDirection(rng: () => number): readonly [number, number] {
  return SHIFT_DIRECTIONS[Math.floor(rng() * SHIFT_DIRECTIONS.length)];
}
