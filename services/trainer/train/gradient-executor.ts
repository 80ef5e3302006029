/**
 * Where gradients are computed: in this thread (one replica) or in N worker threads (one wasm instance and
 * replica each, which is how training uses several cores: tfjs-wasm is single-threaded under Node).
 */
import { Worker } from 'node:worker_threads';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { startModuleWorker } from '../../../shared/workers/index.js';
import { initBackend, type BackendKind } from './backend.js';
import { buildTrainingModel, createReplica, type ModelConfig, type ReplicaStepResult } from './replica.js';
import type { FromTrainWorker, ToTrainWorker, TrainWorkerData } from './train-messages.js';
import { trainErrorCodes } from './train-errors.js';

export interface ShardInput {
  /** views a and b, n × size × size × 3 each */
  a: Float32Array;
  b: Float32Array;
  n: number;
}

export interface GradientExecutor {
  readonly workers: number;
  /** the tfjs backend the replicas run on */
  readonly backend: string;
  /** one shard per worker (exactly `workers` of them); one result per shard, in order */
  step(params: Float32Array, shards: ShardInput[], size: number): Promise<ReplicaStepResult[]>;
  close(): Promise<void>;
}

export async function createLocalExecutor(
  config: ModelConfig,
  backend: BackendKind,
  params: Float32Array,
): Promise<GradientExecutor> {
  const active = await initBackend(backend);
  const replica = createReplica(config, params);
  return {
    workers: 1,
    backend: active,
    async step(p, shards, size) {
      if (shards.length !== 1) throw new ValidationError(`local executor takes 1 shard, got ${shards.length}`);
      replica.setParams(p);
      return [replica.step(shards[0].a, shards[0].b, shards[0].n, size)];
    },
    async close() {
      replica.dispose();
    },
  };
}

interface Pending {
  resolve(result: ReplicaStepResult): void;
  reject(error: Error): void;
}

/**
 * Starts `workers` training threads and waits until each has its backend and replica ready. The results'
 * `grads`/`stats` are views of shared memory, valid until the next step.
 */
export async function createWorkerExecutor(
  config: ModelConfig,
  backend: BackendKind,
  params: Float32Array,
  workers: number,
): Promise<GradientExecutor> {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './train-worker.ts' : './train-worker.js', import.meta.url);
  const { layout } = buildTrainingModel(config);
  const shared = (floats: number) => new SharedArrayBuffer(floats * Float32Array.BYTES_PER_ELEMENT);
  const sharedParams = new Float32Array(shared(layout.size));
  sharedParams.set(params);
  const outputs = Array.from({ length: workers }, () => ({
    grads: new Float32Array(shared(layout.size)),
    stats: new Float32Array(shared(layout.statsSize)),
  }));
  const threads: Worker[] = [];
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let failure: AppError | undefined;
  const fail = (error: AppError) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  let active = backend as string;
  const ready = Array.from({ length: workers }, (_, w) => {
    const data: TrainWorkerData = {
      config,
      backend,
      params: sharedParams.buffer as SharedArrayBuffer,
      grads: outputs[w].grads.buffer as SharedArrayBuffer,
      stats: outputs[w].stats.buffer as SharedArrayBuffer,
    };
    const worker = startModuleWorker(entry, { workerData: data });
    threads.push(worker);
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromTrainWorker) => {
        if (message.type === 'ready') {
          active = message.backend;
          resolve();
        } else if (message.type === 'result') {
          pending.get(message.id)?.resolve({
            n: message.n,
            loss: message.loss,
            collapseStd: message.collapseStd,
            grads: outputs[w].grads,
            stats: outputs[w].stats,
          });
          pending.delete(message.id);
        } else {
          const error = new AppError(message.code, `training worker ${w}: ${message.message}`, { retriable: false });
          if (message.id === undefined) {
            reject(error);
            fail(error);
          } else {
            pending.get(message.id)?.reject(error);
            pending.delete(message.id);
          }
        }
      });
      worker.on('error', (cause) => {
        const error = new AppError(trainErrorCodes.workerFailed, `training worker ${w} crashed`, {
          retriable: false,
          cause,
        });
        reject(error);
        fail(error);
      });
      worker.on('exit', (code) => {
        const error = new AppError(trainErrorCodes.workerFailed, `training worker ${w} exited (code ${code})`, {
          retriable: false,
        });
        reject(error);
        fail(error);
      });
    });
  });
  try {
    await Promise.all(ready);
  } catch (error) {
    await Promise.all(threads.map((t) => t.terminate()));
    throw error;
  }
  let closed = false;
  let inFlight = false;
  return {
    workers,
    backend: active,
    step(p, shards, size) {
      if (failure) return Promise.reject(failure);
      if (closed)
        return Promise.reject(
          new AppError(trainErrorCodes.executorClosed, 'training workers were closed', { retriable: false }),
        );
      if (shards.length !== workers)
        return Promise.reject(new ValidationError(`expected ${workers} shards, got ${shards.length}`));
      if (p.length !== layout.size)
        return Promise.reject(new ValidationError(`expected ${layout.size} parameters, got ${p.length}`));
      if (inFlight)
        return Promise.reject(new ValidationError('one step at a time: the previous step is still running'));
      inFlight = true;
      sharedParams.set(p);
      const done = Promise.all(
        shards.map(
          (shard, w) =>
            new Promise<ReplicaStepResult>((resolve, reject) => {
              const id = nextId++;
              pending.set(id, { resolve, reject });
              const message: ToTrainWorker = { type: 'step', id, a: shard.a, b: shard.b, n: shard.n, size };
              threads[w].postMessage(message);
            }),
        ),
      );
      return done.finally(() => {
        inFlight = false;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of threads) t.removeAllListeners('exit');
      for (const t of threads) t.postMessage({ type: 'close' } satisfies ToTrainWorker);
      await Promise.all(threads.map((t) => t.terminate()));
    },
  };
}
