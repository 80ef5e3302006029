import type { BackendKind } from './backend.js';
import type { ModelConfig, ReplicaStepResult } from './replica.js';

/** workerData of a training worker */
export interface TrainWorkerData {
  config: ModelConfig;
  backend: BackendKind;
  params: Float32Array;
}

export type ToTrainWorker =
  | { type: 'step'; id: number; params: Float32Array; a: Float32Array; b: Float32Array; n: number; size: number }
  | { type: 'close' };

export type FromTrainWorker =
  | { type: 'ready'; backend: string }
  | { type: 'result'; id: number; result: ReplicaStepResult }
  | { type: 'error'; id?: number; code: string; message: string };
