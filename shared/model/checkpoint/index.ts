export {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  CHECKPOINT_VERSIONS,
  AugmentationSchema,
  TrainingInfoSchema,
  CHECKPOINT_ID_PATTERN,
  WEIGHTS_FILE,
  METADATA_FILE,
  CheckpointMetaSchema,
  EncoderArchSchema,
  canonicalJson,
  checkpointId,
  metadataDigest,
  sha256Hex,
} from './checkpoint-meta.js';
export type { CheckpointMeta, CheckpointDescription } from './checkpoint-meta.js';
export { saveCheckpoint, addCheckpointFiles } from './save-checkpoint.js';
export { loadCheckpoint, verifyCheckpoint, readCheckpointMeta, readCheckpointFile } from './load-checkpoint.js';
export type { LoadedCheckpoint } from './load-checkpoint.js';
export {
  EXTRA_WEIGHT_PREFIXES,
  encoderWeights,
  weightMapProblems,
  serializeWeights,
  deserializeWeights,
} from './weights-layout.js';
export { checkpointErrorCodes } from './checkpoint-errors.js';
export type { CheckpointErrorCode } from './checkpoint-errors.js';
