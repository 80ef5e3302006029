/**
 * The codes of the errors a training run throws, written once (the subfolders declare their own: data,
 * kernels, train).
 */
export const trainerErrorCodes = {
  /** no usable images, or fewer than a run needs (ValidationError) */
  noTrainingData: 'NO_TRAINING_DATA',
  /** the epochs or steps given leave no training step to run (ValidationError) */
  noTrainingSteps: 'NO_TRAINING_STEPS',
} as const;

export type TrainerErrorCode = (typeof trainerErrorCodes)[keyof typeof trainerErrorCodes];
