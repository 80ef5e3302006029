/**
 * The codes of the errors the training loop throws, written once.
 */
export const trainErrorCodes = {
  /** the requested tfjs backend cannot start (no GPU adapter, wasm not registered) */
  backendUnavailable: 'BACKEND_UNAVAILABLE',
  /** the loss became NaN or infinite */
  trainingDiverged: 'TRAINING_DIVERGED',
  /** a training worker thread crashed or exited */
  workerFailed: 'TRAIN_WORKER_FAILED',
  /** the training workers were closed */
  executorClosed: 'EXECUTOR_CLOSED',
} as const;

export type TrainErrorCode = (typeof trainErrorCodes)[keyof typeof trainErrorCodes];
