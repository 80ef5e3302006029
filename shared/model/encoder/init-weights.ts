import { createRng } from '../../random/index.js';
import { graphParams, type EncoderGraph, type ParamSpec, type WeightMap } from './graph.js';

/**
 * He-normal (std = sqrt(2 / fan_in), fan_in = product of all but the last dimension: kh·kw·in for HWIO
 * kernels, `in` for dense [in, out]) for kernels, zeros/ones as each ParamSpec says. Deterministic: one
 * seeded stream walked in spec order, so the same seed gives the same bytes.
 */
export function initParams(specs: readonly ParamSpec[], seed: number): WeightMap {
  const rng = createRng(seed);
  const weights: WeightMap = {};
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (spec.init === 'ones') data.fill(1);
    else if (spec.init === 'he_normal') {
      const fanIn = spec.shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
    }
    weights[spec.name] = { shape: [...spec.shape], data };
  }
  return weights;
}

/** Seeded He-normal initial weights for every parameter of the graph (graphParams order). */
export function initWeights(graph: EncoderGraph, seed: number): WeightMap {
  return initParams(graphParams(graph), seed);
}
