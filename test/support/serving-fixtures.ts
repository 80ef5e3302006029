import { saveCheckpoint, type CheckpointMeta } from '../../shared/model/checkpoint/index.js';
import { buildEncoderGraph, initWeights, type EncoderArch } from '../../shared/model/encoder/index.js';

/** A ResNet small enough to fine-tune in a few seconds at 32 px, with batch norm (whose statistics training learns). */
export const tinyResnet: EncoderArch = { kind: 'resnet', width: 8, blocks: [1, 1], stem: 'cifar', norm: 'batch' };
export const TINY_INPUT = 32;

/**
 * A serving checkpoint that any fine-tuning beats: seeded initial weights whose batch-norm moving means are
 * far off (3 where the data gives ~0), so at inference every ReLU after a batch norm sees a large negative
 * input and the embedding is (nearly) one vector for every image — an uncalibrated checkpoint, exaggerated.
 * Training normalises with batch statistics and re-estimates the moving ones, so the candidate recovers.
 */
export function saveMiscalibratedCheckpoint(dir: string, seed = 7): Promise<CheckpointMeta> {
  const weights = initWeights(buildEncoderGraph(tinyResnet), seed);
  for (const [name, tensor] of Object.entries(weights)) if (name.endsWith('moving_mean')) tensor.data.fill(3);
  return saveCheckpoint(dir, {
    weights,
    meta: {
      parent: null,
      technique: 'random',
      arch: tinyResnet,
      input_size: TINY_INPUT,
      normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      data_window: { from: 'none', to: 'none', images: 0 },
      metrics: {},
      created_at: '2000-01-01T00:00:00.000Z',
    },
  });
}

/** Seeded initial weights of the tiny ResNet: an ordinary random-initialised checkpoint. */
export function saveRandomCheckpoint(dir: string, seed: number, createdAt: string): Promise<CheckpointMeta> {
  return saveCheckpoint(dir, {
    weights: initWeights(buildEncoderGraph(tinyResnet), seed),
    meta: {
      parent: null,
      technique: 'random',
      arch: tinyResnet,
      input_size: TINY_INPUT,
      normalization: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
      data_window: { from: 'none', to: 'none', images: 0 },
      metrics: {},
      created_at: createdAt,
    },
  });
}
