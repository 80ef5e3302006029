/**
 * The codes of the errors the model registry throws, written once. A damaged stored checkpoint carries
 * `checkpointErrorCodes.corrupt`, a failed read `checkpointErrorCodes.io`.
 */
export const registryErrorCodes = {
  /** another checkpoint with the same id but different content, or one that changed while being published */
  checkpointConflict: 'CHECKPOINT_CONFLICT',
  /** no checkpoint with that id (or path) in the registry */
  checkpointNotFound: 'CHECKPOINT_NOT_FOUND',
  /** a string that is not a checkpoint id (ValidationError) */
  invalidCheckpointId: 'INVALID_CHECKPOINT_ID',
  /** the `latest` pointer is unreadable or points at a checkpoint that is not stored */
  corrupt: 'REGISTRY_CORRUPT',
  /** the registry was closed */
  closed: 'REGISTRY_CLOSED',
  /** a rollback with no checkpoint that served before the current one (ValidationError) */
  noPrevious: 'REGISTRY_NO_PREVIOUS',
  /** the file system failed; retriable when the errno may clear up */
  io: 'REGISTRY_IO',
  /** `latest` moved, but announcing it on the `models` topic failed (retriable: the bus may come back) */
  announceFailed: 'MODEL_ANNOUNCE_FAILED',
  /** a checkpoint's gate.json that is not a gate record */
  badGateRecord: 'BAD_GATE_RECORD',
  /** polling `latest` failed (retriable: the next poll may succeed) */
  watchFailed: 'REGISTRY_WATCH_FAILED',
} as const;

export type RegistryErrorCode = (typeof registryErrorCodes)[keyof typeof registryErrorCodes];
