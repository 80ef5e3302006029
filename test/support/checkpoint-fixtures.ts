import { buildEncoderGraph, graphParams, type EncoderArch, type WeightMap } from '../../shared/model/encoder/index.js';
import type { CheckpointDescription } from '../../shared/model/checkpoint/index.js';
import { createRng } from '../../shared/random/index.js';

/** Deterministic pseudo-random weights for every parameter of `arch` (values spread over float32's range). */
export function randomWeights(arch: EncoderArch, seed: number): WeightMap {
  const rng = createRng(seed);
  const weights: WeightMap = {};
  for (const spec of graphParams(buildEncoderGraph(arch))) {
    const data = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 10 ** (rng.int(9) - 4);
    weights[spec.name] = { shape: [...spec.shape], data };
  }
  return weights;
}

export function description(arch: EncoderArch, overrides: Partial<CheckpointDescription> = {}): CheckpointDescription {
  return {
    parent: null,
    technique: 'simclr',
    arch,
    input_size: 64,
    normalization: { mean: [0.3, 0.33, 0.36], std: [0.33, 0.31, 0.29] },
    data_window: {
      from: '2026-06-01',
      to: '2026-08-31',
      layers: ['MODIS_Terra_CorrectedReflectance_TrueColor'],
      images: 1234,
    },
    metrics: { 'precision@10': 0.61, collapse_std: 0.041 },
    created_at: '2026-11-25T10:20:30.000Z',
    ...overrides,
  };
}
