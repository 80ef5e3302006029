import { mulberry32 } from '../../shared/random/index.js';
import { graphParams, type EncoderGraph, type WeightMap } from '../../shared/model/encoder/index.js';

/**
 * Random weights for every graph parameter. Batch-norm statistics are deliberately far from the identity
 * (mean ≠ 0, variance ≠ 1, gamma ≠ 1) so folding and BatchNormalization are really exercised.
 */
export function randomWeights(graph: EncoderGraph, seed: number): WeightMap {
  const rand = mulberry32(seed);
  const weights: WeightMap = {};
  for (const p of graphParams(graph)) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const fanIn = p.shape.length === 4 ? p.shape[0] * p.shape[1] * p.shape[2] : 1;
    for (let i = 0; i < size; i++) {
      const u = rand() * 2 - 1;
      if (p.name.endsWith('/kernel')) data[i] = u * Math.sqrt(6 / fanIn);
      else if (p.name.endsWith('/gamma')) data[i] = 0.5 + rand();
      else if (p.name.endsWith('/moving_variance')) data[i] = 0.2 + rand() * 2;
      else data[i] = u * 0.3; // bias, beta, moving_mean
    }
    weights[p.name] = { shape: [...p.shape], data };
  }
  return weights;
}

/** A deterministic NHWC input batch with values in a normalised-image range. */
export function randomInput(n: number, size: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n * size * size * 3);
  for (let i = 0; i < out.length; i++) out[i] = rand() * 4 - 2;
  return out;
}
