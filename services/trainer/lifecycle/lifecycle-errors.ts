/** The codes of the errors the trainer's lifecycle (schedule, sample, gate, promotion) throws, written once. */
export const lifecycleErrorCodes = {
  /** the trainer is stopping and starts no new run */
  trainerStopped: 'TRAINER_STOPPED',
  /** a write through the read-only view of the tile store that a run trains on */
  sampleReadOnly: 'TRAINER_SAMPLE_READ_ONLY',
  /** the trainer's work folder cannot be read or cleaned; retriable when the errno may clear up */
  workDirIo: 'TRAINER_WORK_DIR_IO',
  /** the evaluation returned no gate decision although it was given the serving checkpoint (a bug) */
  noGateDecision: 'TRAINER_NO_GATE_DECISION',
} as const;

export type LifecycleErrorCode = (typeof lifecycleErrorCodes)[keyof typeof lifecycleErrorCodes];
