import { ValidationError } from '../../../shared/errors/index.js';
import type { TrainBatchSource } from '../data/index.js';
import type { EncoderArch, WeightMap } from '../../../shared/model/encoder/index.js';
import type { BackendKind } from './backend.js';
import type { HeadDims, Technique } from './heads.js';
import type { OptimizerConfig } from './optimizer.js';

/**
 * Where training views come from: services/trainer/data's TrainBatchSource (`createAugmentedSource` makes one):
 * two augmented, normalised NHWC views of the images at `indices`, reproducible under the rng it is given.
 */
export type { TrainBatchSource };

export interface TrainOptions {
  arch: EncoderArch;
  technique: Technique;
  /** side of the views the encoder sees; must equal data.viewSize */
  inputSize: number;
  /** pairs (source images) per step, over all workers */
  batchSize: number;
  epochs: number;
  /** stop after this many steps in total (default: epochs × ⌊size / batchSize⌋) */
  steps?: number;
  /** data-parallel worker threads; 1 = train in this thread */
  workers: number;
  seed: number;
  /** peak learning rate (after warm-up); see defaultLearningRate */
  lr: number;
  /** NT-Xent temperature (SimCLR) */
  temperature: number;
  backend: BackendKind;
  /**
   * Start from these weights: encoder parameters, optionally `head/…` and `optimizer/…` entries (what
   * TrainResult.state holds) to resume exactly. Missing entries are freshly initialised.
   */
  initWeights?: WeightMap;
  /** resume: the step to continue from (schedule position and data order); default 0 */
  startStep?: number;
  data: TrainBatchSource;
  optimizer?: OptimizerConfig;
  /** warm-up steps of the schedule; default defaultWarmupSteps(total) */
  warmupSteps?: number;
  headDims?: HeadDims;
}

/** SimSiam's rule lr = 0.05 · batch / 256 (SGD); SimCLR with SGD at small batch trains well with the same. */
export function defaultLearningRate(batchSize: number): number {
  return (0.05 * batchSize) / 256;
}

export function validateTrainOptions(o: TrainOptions): void {
  const fail = (what: string) => {
    throw new ValidationError(`train options: ${what}`);
  };
  const posInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) fail(`${name} must be a positive integer, got ${v}`);
  };
  posInt('inputSize', o.inputSize);
  posInt('batchSize', o.batchSize);
  posInt('workers', o.workers);
  if (!Number.isInteger(o.epochs) || o.epochs < 0) fail(`epochs must be an integer >= 0, got ${o.epochs}`);
  if (o.steps !== undefined && (!Number.isInteger(o.steps) || o.steps < 0))
    fail(`steps must be an integer >= 0, got ${o.steps}`);
  if (o.startStep !== undefined && (!Number.isInteger(o.startStep) || o.startStep < 0))
    fail(`startStep must be an integer >= 0, got ${o.startStep}`);
  if (!Number.isFinite(o.seed)) fail(`seed must be a finite number, got ${o.seed}`);
  if (!(o.lr >= 0) || !Number.isFinite(o.lr)) fail(`lr must be finite and >= 0, got ${o.lr}`);
  if (!(o.temperature > 0)) fail(`temperature must be > 0, got ${o.temperature}`);
  if (o.technique !== 'simclr' && o.technique !== 'simsiam')
    fail(`technique must be simclr or simsiam, got ${String(o.technique)}`);
  if (!['wasm', 'cpu', 'webgpu'].includes(o.backend))
    fail(`backend must be wasm, cpu or webgpu, got ${String(o.backend)}`);
  if (o.data.viewSize !== o.inputSize)
    fail(`inputSize ${o.inputSize} differs from the data's view size ${o.data.viewSize}`);
  if (o.batchSize < 2 * o.workers)
    fail(`batchSize ${o.batchSize} gives fewer than 2 pairs per worker (${o.workers} workers)`);
  if (o.batchSize > o.data.size) fail(`batchSize ${o.batchSize} exceeds the ${o.data.size} images of the data set`);
  if (o.warmupSteps !== undefined && (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 0))
    fail(`warmupSteps must be an integer >= 0, got ${o.warmupSteps}`);
}
