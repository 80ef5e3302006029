import path from 'node:path';
import { ValidationError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointMeta } from '../../shared/model/checkpoint/index.js';
import { createAugmentedSource } from './data/index.js';
import { buildEncoderGraph, type EncoderArch, type WeightMap } from '../../shared/model/encoder/index.js';
import { exportOnnx } from '../../shared/model/onnx/index.js';
import {
  defaultLearningRate,
  trainEncoder,
  type BackendKind,
  type TrainResult,
  type TrainStepInfo,
} from './train/index.js';
import { loadTrainingData, type TrainingSource } from './training-data.js';
import { trainerErrorCodes } from './trainer-errors.js';

export interface TrainRunOptions {
  source: TrainingSource;
  /** the checkpoint directory to write (must not exist) */
  out: string;
  technique: 'simclr' | 'simsiam';
  /** ignored with `init`: a checkpoint brings its own architecture */
  arch: EncoderArch;
  /** default: the init checkpoint's input size; required without one */
  inputSize?: number;
  epochs: number;
  batchSize: number;
  workers: number;
  seed: number;
  lr?: number;
  temperature: number;
  backend: BackendKind;
  /** fine-tune from (or, with resume, continue) this checkpoint; it becomes the parent */
  init?: string;
  /** continue the init checkpoint's run where it stopped (schedule position, optimiser state) */
  resume?: boolean;
  maxImages?: number;
  steps?: number;
}

export interface TrainRunResult {
  dir: string;
  meta: CheckpointMeta;
  result: TrainResult;
  heldOut: number;
}

/**
 * One training run, start to finish: load and augment the images, train (data-parallel over worker
 * threads), then write an immutable checkpoint with the encoder, its ONNX export, the head/optimiser
 * state for resuming and the loss/collapse log. An aborted run still writes what it has, marked partial.
 */
export async function runTraining(
  options: TrainRunOptions,
  hooks: { log: Logger; onStep?: (s: TrainStepInfo) => void; signal?: AbortSignal },
): Promise<TrainRunResult> {
  const { log } = hooks;
  const parent = options.init ? await loadCheckpoint(options.init) : undefined;
  if (options.resume && !parent) throw new ValidationError('--resume needs --init CHECKPOINT');
  const arch = parent?.meta.arch ?? options.arch;
  const inputSize = options.inputSize ?? parent?.meta.input_size;
  if (inputSize === undefined)
    throw new ValidationError('an input size is needed when no --init checkpoint brings one');
  if (parent && parent.meta.input_size !== inputSize) {
    throw new ValidationError(
      `--init checkpoint ${parent.meta.id} was trained at ${parent.meta.input_size} px, not ${inputSize}: leave out --input-size`,
    );
  }

  const { dataset, window, heldOut } = await loadTrainingData(options.source, {
    inputSize,
    maxImages: options.maxImages,
  });
  // a fine-tuned encoder keeps its parent's normalisation: its first layer was learned on those statistics
  const stats = parent?.meta.normalization ?? dataset.stats;
  log.info({ images: dataset.size, heldOut, window, stats }, 'training data loaded');
  if (dataset.size < 2)
    throw new ValidationError(`need at least 2 images to train, found ${dataset.size}`, {
      code: trainerErrorCodes.noTrainingData,
    });
  const batchSize = Math.min(options.batchSize, dataset.size);

  const history: string[] = [];
  const result = await trainEncoder(
    {
      arch,
      technique: options.technique,
      inputSize,
      batchSize,
      epochs: options.epochs,
      steps: options.steps,
      workers: options.workers,
      seed: options.seed,
      lr: options.lr ?? defaultLearningRate(batchSize),
      temperature: options.temperature,
      backend: options.backend,
      initWeights: parent?.weights,
      startStep: options.resume ? (parent?.meta.metrics.next_step ?? 0) : 0,
      data: createAugmentedSource(dataset, { viewSize: inputSize, stats }),
    },
    {
      signal: hooks.signal,
      onStep: (s) => {
        history.push(
          JSON.stringify({
            step: s.step,
            epoch: s.epoch,
            loss: s.loss,
            collapse_std: s.collapseStd,
            lr: s.lr,
            img_per_s: s.imagesPerSecond,
          }),
        );
        hooks.onStep?.(s);
      },
    },
  );

  const last = result.history[result.history.length - 1];
  if (!last)
    throw new ValidationError('no training step ran: raise --epochs (or --steps)', {
      code: trainerErrorCodes.noTrainingSteps,
    });
  const graph = buildEncoderGraph(arch);
  const onnx = exportOnnx(graph, result.weights, { inputSize, metadata: { parent: parent?.meta.id ?? '' } });
  const weights: WeightMap = { ...result.weights, ...result.state };
  const meta = await saveCheckpoint(
    path.resolve(options.out),
    {
      weights,
      meta: {
        parent: parent?.meta.id ?? null,
        technique: options.technique,
        arch,
        input_size: inputSize,
        normalization: { mean: [...stats.mean], std: [...stats.std] },
        data_window: window,
        metrics: {
          final_loss: last.loss,
          collapse_std: last.collapseStd,
          images_per_second: result.imagesPerSecond,
          steps: result.history.length,
          next_step: result.nextStep,
          partial: result.aborted ? 1 : 0,
        },
      },
    },
    {
      'model.onnx': onnx,
      'train-log.jsonl': new TextEncoder().encode(history.length ? `${history.join('\n')}\n` : ''),
    },
  );
  log.info(
    { id: meta.id, dir: options.out, steps: result.history.length, aborted: result.aborted },
    'checkpoint written',
  );
  return { dir: path.resolve(options.out), meta, result, heldOut };
}
