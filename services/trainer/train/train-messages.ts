import type { BackendKind } from './backend.js';
import type { ModelConfig } from './replica.js';

/**
 * workerData of a training worker. Weights, gradients and statistics travel through shared memory (one
 * master-weights buffer for all workers, one gradient and one statistics buffer per worker), so a step's
 * messages carry only the views and a few numbers: no 12 MB structured clone per worker and step.
 */
export interface TrainWorkerData {
  config: ModelConfig;
  backend: BackendKind;
  /** master weights, written by the main thread before each step (layout.size floats) */
  params: SharedArrayBuffer;
  /** this worker's gradients (layout.size floats) */
  grads: SharedArrayBuffer;
  /** this worker's moving statistics (layout.statsSize floats) */
  stats: SharedArrayBuffer;
}

export type ToTrainWorker =
  { type: 'step'; id: number; a: Float32Array; b: Float32Array; n: number; size: number } | { type: 'close' };

export type FromTrainWorker =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; n: number; loss: number; collapseStd: number }
  | { type: 'error'; id?: number; code: string; message: string };
