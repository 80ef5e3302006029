import { ValidationError } from '../../errors/index.js';
import { loadCheckpoint } from '../checkpoint/index.js';
import type { ChannelStats } from '../image/index.js';
import { buildEncoderGraph, initWeights, resnet18Half, type EncoderArch } from '../encoder/index.js';
import { exportOnnx } from '../onnx/index.js';

export interface PrepareModelOptions {
  /** a checkpoint directory, or 'random' for seeded initial weights (the trainer's own initialisation) */
  checkpoint: string;
  /** 'random' only (default 0); ignored for a checkpoint */
  seed?: number;
  /** 'random' only (default resnet18Half); a checkpoint brings its own */
  arch?: EncoderArch;
  /** side the model is exported for; default the checkpoint's input_size, or 64 for 'random' */
  inputSize?: number;
  /** 'random' only (default ImageNet statistics); a checkpoint brings the ones it was trained with */
  stats?: ChannelStats;
}

export interface PreparedModel {
  /** checkpoint id, or `random-<arch kind>-seed<seed>` */
  modelId: string;
  arch: EncoderArch;
  inputSize: number;
  stats: ChannelStats;
  embeddingDim: number;
  /** the exported ONNX encoder (input NHWC normalised, output unit vectors) */
  onnx: Uint8Array;
}

/** The usual convention for untrained encoders; a trained checkpoint always carries its own statistics. */
const IMAGENET_STATS: ChannelStats = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const DEFAULT_RANDOM_SIZE = 64;

/** Checkpoint (verified on load) or seeded random weights → ONNX bytes plus everything preprocessing needs. */
export async function prepareModel(options: PrepareModelOptions): Promise<PreparedModel> {
  if (options.inputSize !== undefined && (!Number.isInteger(options.inputSize) || options.inputSize < 1)) {
    throw new ValidationError(`inputSize must be a positive integer, got ${options.inputSize}`);
  }
  if (options.checkpoint === 'random') {
    const seed = options.seed ?? 0;
    if (!Number.isInteger(seed)) throw new ValidationError(`seed must be an integer, got ${seed}`);
    const arch = options.arch ?? resnet18Half;
    const graph = buildEncoderGraph(arch);
    const inputSize = options.inputSize ?? DEFAULT_RANDOM_SIZE;
    const modelId = `random-${arch.kind}-seed${seed}`;
    const onnx = exportOnnx(graph, initWeights(graph, seed), { inputSize, metadata: { model_id: modelId } });
    return { modelId, arch, inputSize, stats: options.stats ?? IMAGENET_STATS, embeddingDim: graph.embeddingDim, onnx };
  }
  // seed is ignored here (a CLI may always pass one); a conflicting arch or stats is a real mistake
  if (options.arch !== undefined || options.stats !== undefined) {
    throw new ValidationError('arch and stats apply to --checkpoint random only; a checkpoint brings its own');
  }
  const { meta, weights } = await loadCheckpoint(options.checkpoint);
  const graph = buildEncoderGraph(meta.arch);
  const inputSize = options.inputSize ?? meta.input_size;
  const onnx = exportOnnx(graph, weights, {
    inputSize,
    metadata: { model_id: meta.id, checkpoint_digest: meta.digest },
  });
  return {
    modelId: meta.id,
    arch: meta.arch,
    inputSize,
    stats: meta.normalization,
    embeddingDim: graph.embeddingDim,
    onnx,
  };
}
