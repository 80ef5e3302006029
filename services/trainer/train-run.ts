import path from 'node:path';
import { ValidationError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointMeta } from '../../shared/model/checkpoint/index.js';
import { resolveAugmentOptions, type ResolvedAugmentOptions } from './augment/index.js';
import { createAugmentedSource } from './data/index.js';
import { buildEncoderGraph, type EncoderArch, type WeightMap } from '../../shared/model/encoder/index.js';
import { exportOnnx } from '../../shared/model/onnx/index.js';
import {
  defaultLearningRate,
  defaultWarmupSteps,
  trainEncoder,
  type BackendKind,
  type TrainResult,
  type TrainStepInfo,
} from './train/index.js';
import { loadTrainingData, type TrainingSource } from './training-data.js';
import { trainerErrorCodes } from './trainer-errors.js';
import { checkTorch, trainWithTorch, type TorchDevice } from './torch-backend/index.js';

/** The SGD settings the tfjs optimiser defaults to (services/trainer/train/optimizer.ts), sent to torch alike. */
const SGD_MOMENTUM = 0.9;
const SGD_WEIGHT_DECAY = 5e-4;

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
  /** torch only: where the ranks run (default cpu) */
  device?: TorchDevice;
  /** torch only: the Python with torch (default /usr/bin/python3) */
  python?: string;
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
 * One training run, start to finish: load and augment the images, train (tfjs: data-parallel over worker
 * threads; torch: PyTorch ranks in child processes, fed the same decoded sample), then write an immutable
 * checkpoint with the encoder, its ONNX export, the head/optimiser state for resuming and the loss/collapse
 * log — one writer for both backends. An aborted tfjs run still writes what it has, marked partial; a torch
 * run that did not finish (crashed rank, signal) rejects and writes nothing.
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

  // a missing Python or torch fails before minutes of decoding
  const torch = options.backend === 'torch' ? await checkTorch(options.python) : undefined;
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

  const lr = options.lr ?? defaultLearningRate(batchSize);
  const totalSteps = options.steps ?? options.epochs * Math.floor(dataset.size / batchSize);
  const startStep = options.resume ? (parent?.meta.metrics.next_step ?? 0) : 0;
  // the views' augmentation, written into the checkpoint and handed to the torch ranks as resolved here
  const augment = resolveAugmentOptions({ outSize: inputSize, normalization: stats });
  const history: string[] = [];
  const onStep = (s: TrainStepInfo) => {
    history.push(
      JSON.stringify({
        step: s.step,
        epoch: s.epoch,
        loss: s.loss,
        collapse_std: Number.isFinite(s.collapseStd) ? s.collapseStd : undefined,
        lr: s.lr,
        img_per_s: s.imagesPerSecond,
      }),
    );
    hooks.onStep?.(s);
  };
  const result =
    options.backend === 'torch'
      ? await trainWithTorch(
          {
            technique: options.technique,
            arch,
            inputSize,
            // the tfjs trainer's schedule: steps, else epochs over whole batches; warm-up 10 % (≤ 500)
            steps: totalSteps,
            batchSize,
            lr,
            warmupSteps: defaultWarmupSteps(totalSteps),
            momentum: SGD_MOMENTUM,
            weightDecay: SGD_WEIGHT_DECAY,
            temperature: options.temperature,
            seed: options.seed,
            augment,
            device: options.device ?? 'cpu',
            initWeights: parent?.weights,
            resumeStep: startStep,
            images: dataset.images,
          },
          {
            workers: options.workers,
            python: options.python,
            torch,
            stepsPerEpoch: Math.max(1, Math.floor(dataset.size / batchSize)),
          },
          { signal: hooks.signal, onStep },
        )
      : await trainEncoder(
          {
            arch,
            technique: options.technique,
            inputSize,
            batchSize,
            epochs: options.epochs,
            steps: options.steps,
            workers: options.workers,
            seed: options.seed,
            lr,
            temperature: options.temperature,
            backend: options.backend,
            initWeights: parent?.weights,
            startStep,
            data: createAugmentedSource(dataset, { viewSize: inputSize, stats }),
          },
          { signal: hooks.signal, onStep },
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
        augmentation: augmentationMeta(augment, inputSize),
        training: {
          backend: result.backend,
          ...(options.backend === 'torch' && { device: options.device ?? 'cpu' }),
          workers: options.workers,
        },
        metrics: {
          final_loss: last.loss,
          ...(Number.isFinite(last.collapseStd) && { collapse_std: last.collapseStd }),
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

/** The resolved augmentation as metadata.json records it (snake_case, null = off). */
function augmentationMeta(a: ResolvedAugmentOptions, inputSize: number): NonNullable<CheckpointMeta['augmentation']> {
  return {
    out_size: a.outSize ?? inputSize,
    crop: a.crop ? { area: [...a.crop.area], aspect: [...a.crop.aspect] } : null,
    rotate90: a.rotate90,
    flip_horizontal: a.flipHorizontal,
    flip_vertical: a.flipVertical,
    color_jitter: a.colorJitter ? { ...a.colorJitter } : null,
    grayscale: a.grayscale,
    blur: a.blur ? { probability: a.blur.probability, sigma: [...a.blur.sigma] } : null,
  };
}
