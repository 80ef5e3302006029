/**
 * Adapts an encoder that takes normalised NHWC batches (OrtEncoder as is; a tfjs encoder through
 * `{ inputSize, embedTensor: (x, n) => enc.embed(x, n, inputSize) }`) to evaluation's EmbedFn, applying
 * the per-channel normalisation the checkpoint was trained with. Evaluation hands over [0, 1] pixels so
 * that a histogram and a network see exactly the same crops.
 */
import { ValidationError } from '../../errors/index.js';
import { normalize, type ChannelStats } from '../image/index.js';
import type { EmbedFn } from './embed-fn.js';
import { evalErrorCodes } from './eval-errors.js';

export interface BatchEncoder {
  readonly inputSize: number;
  embedTensor(input: Float32Array, n: number): Promise<Float32Array[]>;
}

export function embedFnFromEncoder(encoder: BatchEncoder, normalization: ChannelStats): EmbedFn {
  const per = encoder.inputSize * encoder.inputSize * 3;
  return async (images) => {
    if (images.length === 0) return [];
    const batch = new Float32Array(images.length * per);
    images.forEach((img, i) => {
      if (img.length !== per) {
        throw new ValidationError(
          `image ${i} has ${img.length} values; the encoder takes ${encoder.inputSize}x${encoder.inputSize}x3 = ${per}`,
          { code: evalErrorCodes.badImage },
        );
      }
      normalize(img, normalization, batch.subarray(i * per, (i + 1) * per));
    });
    return encoder.embedTensor(batch, images.length);
  };
}
