export { FsModelRegistry } from './fs-model-registry.js';
export type { FsModelRegistryOptions } from './fs-model-registry.js';
export { pollLatest } from './poll-latest.js';
export { resolveCheckpointDir, LATEST_CHECKPOINT } from './resolve-checkpoint.js';
export type { ModelRegistry, WatchOptions, RegistryWatch, LatestPointer } from './model-registry.js';
export { registryErrorCodes } from './registry-errors.js';
export type { RegistryErrorCode } from './registry-errors.js';
