/**
 * The training loop: schedule, data order, augmentation seeds, gradient averaging over workers, optimiser,
 * progress and resume. Gradients come from a GradientExecutor (this thread, or N worker threads each with
 * its own wasm instance); the main thread keeps the one master copy of the weights.
 *
 * Data parallelism: each step's global batch (a seeded permutation per epoch) is cut into one contiguous
 * shard per worker; every sample's augmentation rng is derived from (seed, step, position in the global
 * batch), so the views do not depend on the number of workers. Worker gradients are means over their
 * shard, averaged weighted by shard size; moving statistics likewise. With a per-sample loss (SimSiam) and
 * a model without batch norm (norm 'none' encoder and heads) N workers therefore give exactly the update of
 * one worker on the whole batch (up to float summation order). With batch norm, statistics are per shard
 * and NT-Xent negatives are the shard's own (like PyTorch DDP without SyncBN and without all-gather).
 */
import { AppError } from '../../../shared/errors/index.js';
import { createRng, type Rng } from '../../../shared/random/index.js';
import { graphParams, initParams, initWeights, type WeightMap } from '../../../shared/model/encoder/index.js';
import {
  createLocalExecutor,
  createWorkerExecutor,
  type GradientExecutor,
  type ShardInput,
} from './gradient-executor.js';
import { headParams } from './heads.js';
import { defaultWarmupSteps, learningRateAt, type LrSchedule } from './lr-schedule.js';
import { createOptimizer } from './optimizer.js';
import { flattenWeights, unflattenWeights, writeStats } from './param-layout.js';
import { buildTrainingModel, type ModelConfig, type ReplicaStepResult } from './replica.js';
import { validateTrainOptions, type TrainOptions } from './train-options.js';
import { trainErrorCodes } from './train-errors.js';

export interface TrainStepInfo {
  /** 0-based global step just completed */
  step: number;
  epoch: number;
  loss: number;
  /** source images (pairs) per second over the steps so far (first step excluded once there are more) */
  imagesPerSecond: number;
  collapseStd: number;
  etaSeconds: number;
  lr: number;
}

export interface TrainHooks {
  onStep?: (s: TrainStepInfo) => void;
  /** stops after the step in flight; trainEncoder then resolves with what it has, `aborted: true` */
  signal?: AbortSignal;
}

export interface TrainResult {
  /** encoder parameters (graphParams names, moving statistics included): what inference and export need */
  weights: WeightMap;
  /** heads (`head/…`) and optimiser slots (`optimizer/…`): pass {...weights, ...state} as initWeights to resume */
  state: WeightMap;
  history: { step: number; loss: number; collapseStd: number }[];
  imagesPerSecond: number;
  /** the next step to run (startStep for a resume) */
  nextStep: number;
  aborted: boolean;
  backend: string;
}

function permutation(n: number, rng: Rng): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Shard sizes: as even as possible, earlier workers take the remainder. */
function shardSizes(batch: number, workers: number): number[] {
  return Array.from({ length: workers }, (_, w) => Math.floor(batch / workers) + (w < batch % workers ? 1 : 0));
}

export async function trainEncoder(options: TrainOptions, hooks: TrainHooks = {}): Promise<TrainResult> {
  validateTrainOptions(options);
  const { data, batchSize: batch, workers, inputSize: size } = options;
  const config: ModelConfig = {
    arch: options.arch,
    technique: options.technique,
    temperature: options.temperature,
    headDims: options.headDims,
  };
  const model = buildTrainingModel(config);
  const { layout } = model;
  const fresh = { ...initWeights(model.graph, options.seed), ...initParams(headParams(model.heads), options.seed + 1) };
  const params = flattenWeights(layout, options.initWeights, fresh);
  const optimizer = createOptimizer(layout, options.optimizer);
  if (options.initWeights) optimizer.load(options.initWeights);

  const stepsPerEpoch = Math.floor(data.size / batch);
  const totalSteps = options.steps ?? options.epochs * stepsPerEpoch;
  const schedule: LrSchedule = {
    base: options.lr,
    totalSteps: Math.max(1, totalSteps),
    warmupSteps: options.warmupSteps ?? defaultWarmupSteps(totalSteps),
  };
  const root = createRng(options.seed);
  const sizes = shardSizes(batch, workers);
  const per = size * size * 3;
  let order: number[] = [];
  let orderEpoch = -1;

  const prepare = (step: number): ShardInput[] => {
    const epoch = Math.floor(step / stepsPerEpoch);
    if (epoch !== orderEpoch) {
      order = permutation(data.size, root.fork(`epoch:${epoch}`));
      orderEpoch = epoch;
    }
    const start = (step % stepsPerEpoch) * batch;
    let position = 0;
    return sizes.map((n) => {
      const a = new Float32Array(n * per);
      const b = new Float32Array(n * per);
      for (let i = 0; i < n; i++, position++) {
        const pair = data.pair([order[start + position]], root.fork(`step:${step}/sample:${position}`));
        a.set(pair.a, i * per);
        b.set(pair.b, i * per);
      }
      return { a, b, n };
    });
  };

  const executor: GradientExecutor =
    workers === 1
      ? await createLocalExecutor(config, options.backend, params)
      : await createWorkerExecutor(config, options.backend, params, workers);
  const history: TrainResult['history'] = [];
  let step = options.startStep ?? 0;
  let aborted = false;
  let timedSteps = 0;
  let timedSeconds = 0;
  let firstSeconds = 0;
  try {
    let next = step < totalSteps ? prepare(step) : undefined;
    while (next) {
      // one turn of the event loop per step: a single-worker step computes on this thread and only resolves
      // microtasks, so without it a SIGINT (or any timer) would wait for the whole run to end
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (hooks.signal?.aborted) {
        aborted = true;
        break;
      }
      const started = performance.now();
      const running = executor.step(params, next, size);
      // build the next batch while the workers compute this one
      next = step + 1 < totalSteps ? prepare(step + 1) : undefined;
      const results = await running;
      const merged = average(results, batch, layout.size, layout.statsSize);
      if (!Number.isFinite(merged.loss)) {
        throw new AppError(
          trainErrorCodes.trainingDiverged,
          `loss became ${merged.loss} at step ${step}; lower the learning rate`,
          {
            retriable: false,
          },
        );
      }
      const lr = learningRateAt(schedule, step);
      optimizer.step(params, merged.grads, lr);
      writeStats(layout, params, merged.stats);
      const seconds = (performance.now() - started) / 1000;
      if (history.length === 0) firstSeconds = seconds;
      else {
        timedSteps++;
        timedSeconds += seconds;
      }
      const secondsPerStep = timedSteps > 0 ? timedSeconds / timedSteps : firstSeconds;
      history.push({ step, loss: merged.loss, collapseStd: merged.collapseStd });
      hooks.onStep?.({
        step,
        epoch: Math.floor(step / stepsPerEpoch),
        loss: merged.loss,
        imagesPerSecond: batch / secondsPerStep,
        collapseStd: merged.collapseStd,
        etaSeconds: (totalSteps - step - 1) * secondsPerStep,
        lr,
      });
      step++;
    }
  } finally {
    await executor.close();
  }
  const secondsPerStep = timedSteps > 0 ? timedSeconds / timedSteps : firstSeconds;
  const encoderNames = new Set(graphParams(model.graph).map((p) => p.name));
  return {
    weights: unflattenWeights(layout, params, (spec) => encoderNames.has(spec.name)),
    state: { ...unflattenWeights(layout, params, (spec) => !encoderNames.has(spec.name)), ...optimizer.state() },
    history,
    imagesPerSecond: secondsPerStep > 0 ? batch / secondsPerStep : 0,
    nextStep: step,
    aborted,
    backend: executor.backend,
  };
}

/** Shard results → one: gradients, statistics, loss and collapse weighted by shard size. */
function average(results: ReplicaStepResult[], batch: number, size: number, statsSize: number) {
  const grads = new Float32Array(size);
  const stats = new Float32Array(statsSize);
  let loss = 0;
  let collapseStd = 0;
  for (const r of results) {
    const w = r.n / batch;
    for (let i = 0; i < size; i++) grads[i] += w * r.grads[i];
    for (let i = 0; i < statsSize; i++) stats[i] += w * r.stats[i];
    loss += w * r.loss;
    collapseStd += w * r.collapseStd;
  }
  return { grads, stats, loss, collapseStd };
}
