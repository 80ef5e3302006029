export { runTraining } from './train-run.js';
export type { TrainRunOptions, TrainRunResult } from './train-run.js';
export { loadTrainingData } from './training-data.js';
export type { TrainingSource, DataWindow, LoadedTrainingData } from './training-data.js';
export { trainerErrorCodes } from './trainer-errors.js';
export type { TrainerErrorCode } from './trainer-errors.js';
