import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ValidationError } from '../../errors/index.js';
import { saveCheckpoint, type CheckpointMeta } from '../checkpoint/index.js';
import { buildEncoderGraph, initWeights, resnet18Half, type EncoderArch } from '../encoder/index.js';
import type { ModelRegistry } from './model-registry.js';

export interface ServingCheckpointOptions {
  /** seed of the He-normal initial weights (the trainer's own initialisation) */
  seed: number;
  /** default resnet18Half */
  arch?: EncoderArch;
  /** the side the encoder is exported for */
  inputSize: number;
}

/**
 * Fixed, so that the checkpoint id (creation time + weights hash) depends on seed, architecture and input size
 * only: two processes that race to create it write byte-identical checkpoints, and publishing one twice is a no-op.
 */
export const RANDOM_CHECKPOINT_CREATED_AT = '2000-01-01T00:00:00.000Z';

/** The usual statistics for an untrained encoder (what prepareModel uses for `--checkpoint random`). */
const IMAGENET_NORMALIZATION = {
  mean: [0.485, 0.456, 0.406] as [number, number, number],
  std: [0.229, 0.224, 0.225] as [number, number, number],
};

/**
 * The checkpoint embedders serve: `latest` when something was promoted; otherwise a seeded random-initialised
 * encoder (technique 'random') is written, published and promoted first, so a fresh install embeds from its first
 * tile and the trainer's first promotion is an ordinary hot-swap. Safe to race: every racer builds the same id.
 */
export async function ensureServingCheckpoint(
  registry: ModelRegistry,
  options: ServingCheckpointOptions,
): Promise<CheckpointMeta> {
  const current = await registry.latest();
  if (current) return current;
  const { seed, inputSize } = options;
  if (!Number.isInteger(seed) || seed < 0) throw new ValidationError(`seed must be an integer ≥ 0, got ${seed}`);
  if (!Number.isInteger(inputSize) || inputSize < 1)
    throw new ValidationError(`inputSize must be a positive integer, got ${inputSize}`);
  const arch = options.arch ?? resnet18Half;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'random-checkpoint-'));
  try {
    const dir = path.join(scratch, 'checkpoint');
    await saveCheckpoint(dir, {
      weights: initWeights(buildEncoderGraph(arch), seed),
      meta: {
        parent: null,
        technique: 'random',
        arch,
        input_size: inputSize,
        normalization: IMAGENET_NORMALIZATION,
        data_window: { from: 'none', to: 'none', images: 0 },
        metrics: {},
        created_at: RANDOM_CHECKPOINT_CREATED_AT,
      },
    });
    const published = await registry.publish(dir);
    // another process may have promoted something meanwhile: a trained model wins over the random one
    const raced = await registry.latest();
    if (raced) return raced;
    return await registry.promote(published.id);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
