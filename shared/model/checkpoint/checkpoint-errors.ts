/**
 * The codes of the errors the checkpoint reader and writer throw, written once (the registry uses them too).
 */
export const checkpointErrorCodes = {
  /** refused to save: the metadata or files are not a valid checkpoint */
  invalid: 'CHECKPOINT_INVALID',
  /** refused to save over an existing checkpoint (checkpoints are immutable) */
  exists: 'CHECKPOINT_EXISTS',
  /** adding a file that already exists in the checkpoint with other content */
  immutable: 'CHECKPOINT_IMMUTABLE',
  /** the file system failed while writing; retriable when the errno may clear up */
  writeFailed: 'CHECKPOINT_WRITE_FAILED',
  /** a listed file is missing, has another size or hash, or the metadata is damaged */
  corrupt: 'CHECKPOINT_CORRUPT',
  /** a file the checkpoint does not list */
  fileUnknown: 'CHECKPOINT_FILE_UNKNOWN',
  /** the file system failed while reading or inspecting; retriable when the errno may clear up */
  io: 'CHECKPOINT_IO',
} as const;

export type CheckpointErrorCode = (typeof checkpointErrorCodes)[keyof typeof checkpointErrorCodes];
