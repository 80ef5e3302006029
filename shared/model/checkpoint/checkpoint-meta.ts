import { sha256Hex } from '../../fs/index.js';
import { z } from 'zod';

/**
 * metadata.json of a checkpoint directory. Every byte file of the checkpoint is listed in `files` with its
 * sha256, and `digest` is the sha256 of this document's canonical JSON without `digest`, so editing any
 * field (a metric, a shape, a listed hash) after saving is detected: a checkpoint is immutable.
 */

export const CHECKPOINT_FORMAT = 'gibs-embed-checkpoint';
/** written by saveCheckpoint; 2 added `augmentation` and `training` (both optional), 1 still loads */
export const CHECKPOINT_VERSION = 2;
/** every version loadCheckpoint reads */
export const CHECKPOINT_VERSIONS = [1, 2] as const;
export const WEIGHTS_FILE = 'weights.bin';
export const METADATA_FILE = 'metadata.json';
/** `ckpt-<yyyymmddhhmmss UTC>-<first 12 hex of sha256(weights.bin)>` */
export const CHECKPOINT_ID_PATTERN = /^ckpt-(\d{14})-([0-9a-f]{12})$/;
/** names a checkpoint may hold besides metadata.json: plain file names, no directories */
export const CHECKPOINT_FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const positiveInt = z.number().int().positive();
const Norm = z.enum(['batch', 'none']);

export const EncoderArchSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('resnet'),
    width: positiveInt,
    blocks: z.array(positiveInt).min(1),
    stem: z.enum(['imagenet', 'cifar']),
    norm: Norm,
  }),
  z.strictObject({ kind: z.literal('small'), width: positiveInt, layers: positiveInt, norm: Norm }),
]);

const Triple = z.tuple([z.number(), z.number(), z.number()]);
const Range = z.tuple([z.number(), z.number()]);
const Probability = z.number().min(0).max(1);

/** The resolved augmentation the views were made with (the trainer's AugmentOptions, snake_case; null = off). */
export const AugmentationSchema = z.strictObject({
  out_size: positiveInt,
  crop: z.strictObject({ area: Range, aspect: Range }).nullable(),
  rotate90: z.boolean(),
  flip_horizontal: Probability,
  flip_vertical: Probability,
  color_jitter: z
    .strictObject({
      probability: Probability,
      brightness: z.number().min(0),
      contrast: z.number().min(0),
      saturation: z.number().min(0),
      hue: z.number().min(0),
    })
    .nullable(),
  grayscale: Probability,
  blur: z.strictObject({ probability: Probability, sigma: Range }).nullable(),
});

/** Which trainer produced the weights (tfjs backend or torch, where, over how many workers/ranks). */
export const TrainingInfoSchema = z.strictObject({
  backend: z.string().min(1),
  device: z.string().min(1).optional(),
  workers: positiveInt,
});
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');

export const CheckpointMetaSchema = z.strictObject({
  format: z.literal(CHECKPOINT_FORMAT),
  version: z.union([z.literal(CHECKPOINT_VERSIONS[0]), z.literal(CHECKPOINT_VERSIONS[1])]),
  id: z.string().regex(CHECKPOINT_ID_PATTERN, 'ckpt-<yyyymmddhhmmss>-<12 hex>'),
  parent: z.string().min(1).nullable(),
  created_at: z.iso.datetime(),
  technique: z.enum(['simclr', 'simsiam', 'random']),
  arch: EncoderArchSchema,
  input_size: positiveInt,
  normalization: z.strictObject({
    mean: Triple,
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  }),
  data_window: z.strictObject({
    from: z.string().min(1),
    to: z.string().min(1),
    layers: z.array(z.string()).optional(),
    images: z.number().int().nonnegative(),
  }),
  metrics: z.record(z.string(), z.number()),
  /** version ≥ 2, trained checkpoints: the augmentation of the run (normalisation is `normalization`) */
  augmentation: AugmentationSchema.optional(),
  /** version ≥ 2, trained checkpoints */
  training: TrainingInfoSchema.optional(),
  /** float32 little-endian arrays concatenated in this order; offset in bytes, length in elements */
  weights: z.array(
    z.strictObject({
      name: z.string().min(1),
      shape: z.array(z.number().int().nonnegative()),
      offset: z.number().int().nonnegative(),
      length: z.number().int().nonnegative(),
    }),
  ),
  files: z.record(
    z.string().regex(CHECKPOINT_FILE_NAME),
    z.strictObject({ sha256: Sha256, bytes: z.number().int().nonnegative() }),
  ),
  digest: Sha256,
});

export type CheckpointMeta = z.infer<typeof CheckpointMetaSchema>;

/** What the trainer says about a checkpoint; format, id, weight layout, files and digest are derived. */
export type CheckpointDescription = Pick<
  CheckpointMeta,
  | 'parent'
  | 'technique'
  | 'arch'
  | 'input_size'
  | 'normalization'
  | 'data_window'
  | 'metrics'
  | 'augmentation'
  | 'training'
> & {
  /** default: now */
  created_at?: string;
};

/** JSON with object keys sorted at every level: the same metadata always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function metadataDigest(meta: Omit<CheckpointMeta, 'digest'> & { digest?: string }): string {
  const { digest: _ignored, ...rest } = meta;
  return sha256Hex(canonicalJson(rest));
}

/** `ckpt-<yyyymmddhhmmss>-<12 hex>` from the creation time (UTC) and the weights' sha256. */
export function checkpointId(createdAt: string, weightsSha256: string): string {
  const stamp = new Date(createdAt).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `ckpt-${stamp}-${weightsSha256.slice(0, 12)}`;
}

export { sha256Hex };
