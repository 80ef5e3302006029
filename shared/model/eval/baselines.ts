/**
 * A baseline every learned encoder must beat: a colour histogram. (The other baseline, the same encoder with
 * random initial weights, is built by the caller from `initWeights(graph, seed)`, because it is a real
 * encoder, not something evaluation should know how to construct.)
 */
import { ValidationError } from '../../errors/index.js';
import type { EmbedFn } from './embed-fn.js';
import { evalErrorCodes } from './eval-errors.js';

export interface ColourHistogramOptions {
  /** bins per channel (default 8) */
  bins?: number;
  /**
   * 'joint' (default): one bin per RGB cell, bins³ dimensions (512 at 8 bins). It keeps which channel values
   * occur together, and that is what tells white cloud from bright desert or blue ocean from green forest;
   * marginal histograms mix those up. 'marginal': three per-channel histograms side by side, 3·bins dimensions.
   */
  mode?: 'joint' | 'marginal';
}

/**
 * Colour histogram as an EmbedFn. Output is the square root of the pixel fractions (the Hellinger
 * embedding), so cosine similarity is the Bhattacharyya coefficient; plain frequencies let the dominant bin
 * (ocean, cloud) decide every comparison. Vectors already have unit length.
 */
export function colourHistogramEmbed(options: ColourHistogramOptions = {}): EmbedFn {
  const bins = options.bins ?? 8;
  const mode = options.mode ?? 'joint';
  if (!Number.isInteger(bins) || bins < 2 || bins > 64)
    throw new ValidationError(`histogram bins must be an integer in 2..64, got ${bins}`);
  if (mode !== 'joint' && mode !== 'marginal')
    throw new ValidationError(`histogram mode must be 'joint' or 'marginal', got ${String(mode)}`);
  const dim = mode === 'joint' ? bins * bins * bins : 3 * bins;
  const bin = (x: number) => Math.min(bins - 1, Math.max(0, Math.floor(x * bins)));

  const embedOne = (image: Float32Array, index: number): Float32Array => {
    if (image.length === 0 || image.length % 3 !== 0) {
      throw new ValidationError(`image ${index}: ${image.length} values is not an RGB image (HWC, 3 channels)`, {
        code: evalErrorCodes.badImage,
      });
    }
    const counts = new Float64Array(dim);
    const pixels = image.length / 3;
    for (let p = 0; p < image.length; p += 3) {
      const r = bin(image[p]),
        g = bin(image[p + 1]),
        b = bin(image[p + 2]);
      if (mode === 'joint') counts[(r * bins + g) * bins + b]++;
      else {
        counts[r]++;
        counts[bins + g]++;
        counts[2 * bins + b]++;
      }
    }
    const total = mode === 'joint' ? pixels : 3 * pixels;
    const out = new Float32Array(dim);
    for (let i = 0; i < dim; i++) out[i] = Math.sqrt(counts[i] / total);
    return out;
  };

  return async (images) => images.map(embedOne);
}

/** An encoder that has collapsed: every input maps to the same vector. Useful as a gate's worst case. */
export function constantEmbed(dim: number, value = 1): EmbedFn {
  if (!Number.isInteger(dim) || dim < 1)
    throw new ValidationError(`constant embedding dimension must be a positive integer, got ${dim}`);
  return async (images) => images.map(() => new Float32Array(dim).fill(value));
}
