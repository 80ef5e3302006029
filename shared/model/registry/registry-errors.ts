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
  /** the file system failed; retriable when the errno may clear up */
  io: 'REGISTRY_IO',
  /** polling `latest` failed (retriable: the next poll may succeed) */
  watchFailed: 'REGISTRY_WATCH_FAILED',
} as const;

export type RegistryErrorCode = (typeof registryErrorCodes)[keyof typeof registryErrorCodes];
