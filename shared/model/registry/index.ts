export { FsModelRegistry } from './fs-model-registry.js';
export type { FsModelRegistryOptions } from './fs-model-registry.js';
export { pollLatest } from './poll-latest.js';
export { resolveCheckpointDir, LATEST_CHECKPOINT } from './resolve-checkpoint.js';
export type { ModelRegistry, WatchOptions, RegistryWatch, LatestPointer } from './model-registry.js';
export { registryErrorCodes } from './registry-errors.js';
export type { RegistryErrorCode } from './registry-errors.js';
export { ensureServingCheckpoint, RANDOM_CHECKPOINT_CREATED_AT } from './random-checkpoint.js';
export type { ServingCheckpointOptions } from './random-checkpoint.js';
export { LATEST_HISTORY_LENGTH } from './model-registry.js';
export type { RollbackResult } from './model-registry.js';
export { MODELS_TOPIC, promoteAndAnnounce, rollbackAndAnnounce } from './announce-promotion.js';
export type { AnnounceDeps, Announced, ModelAnnouncement, PromotionReason } from './announce-promotion.js';
export {
  GATE_FILE,
  encodeGateRecord,
  flattenReport,
  gateRecord,
  gateRecordSchema,
  metricKey,
  parseGateRecord,
} from './gate-record.js';
export type { GateRecord, GateRecordInput } from './gate-record.js';
