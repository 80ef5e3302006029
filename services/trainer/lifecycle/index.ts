export { createTrainer } from './periodic-trainer.js';
export type { Trainer, TrainerDeps, TrainerRunResult, PeriodicTrainerConfig } from './periodic-trainer.js';
export { runTrainingCycle } from './training-cycle.js';
export type {
  CycleOutcome,
  CycleRegistry,
  CycleResult,
  TrainFn,
  TrainingCycleConfig,
  TrainingCycleDeps,
} from './training-cycle.js';
export { sampleWindowTiles } from './tile-sample.js';
export type { TileSample, TileSampleOptions } from './tile-sample.js';
export { tileSampleView } from './tile-sample-view.js';
export { createTrainerMetrics } from './trainer-metrics.js';
export type { TrainerMetrics, RunOutcome } from './trainer-metrics.js';
export { validateTrainerSchedule } from './trainer-schedule.js';
export { lifecycleErrorCodes } from './lifecycle-errors.js';
export type { LifecycleErrorCode } from './lifecycle-errors.js';
