import { saveCheckpoint, type CheckpointMeta } from '../../shared/model/checkpoint/index.js';
import { buildEncoderGraph, graphParams, type EncoderArch, type WeightMap } from '../../shared/model/encoder/index.js';

/**
 * Weights of a fully collapsed encoder: every convolution kernel zero, every bias and batch-norm shift 1,
 * so each layer outputs the same positive constant whatever the image, and the embedding is one unit
 * vector for every input (collapse std exactly 0, every retrieval metric exactly at chance). A checkpoint
 * that is known worse than anything that learned, unlike a random initialisation, which is not reliably
 * worse than a briefly trained encoder.
 */
export function collapsedWeights(arch: EncoderArch): WeightMap {
  const weights: WeightMap = {};
  for (const spec of graphParams(buildEncoderGraph(arch))) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const leaf = spec.name.slice(spec.name.lastIndexOf('/') + 1);
    // batch norm keeps gamma 1, moving mean 0 and variance 1: with a zero input it outputs its beta
    const value =
      leaf === 'kernel'
        ? 0
        : leaf === 'bias' || leaf === 'beta' || leaf === 'gamma' || leaf === 'moving_variance'
          ? 1
          : 0;
    weights[spec.name] = { shape: [...spec.shape], data: new Float32Array(size).fill(value) };
  }
  return weights;
}

/** Saves a collapsed checkpoint (see collapsedWeights) as a trainer would save a real one. */
export function saveCollapsedCheckpoint(dir: string, arch: EncoderArch, inputSize: number): Promise<CheckpointMeta> {
  return saveCheckpoint(dir, {
    weights: collapsedWeights(arch),
    meta: {
      parent: null,
      technique: 'simsiam',
      arch,
      input_size: inputSize,
      normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      data_window: { from: '2020-09-27', to: '2020-09-27', images: 0 },
      metrics: {},
    },
  });
}
