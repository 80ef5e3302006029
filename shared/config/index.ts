export { loadConfig, ConfigError } from './load-config.js';
export type { LoadConfigOptions } from './load-config.js';
export { configSchema, serviceSchemas, serviceNames } from './schema.js';
export type { Config, ServiceName } from './schema.js';
export { logSchema } from './log-schema.js';
export type { LogConfig } from './log-schema.js';
export { opsSchema } from './ops-schema.js';
export type { OpsConfig } from './ops-schema.js';
export { busSchema } from './bus-schema.js';
export type { BusConfig } from './bus-schema.js';
export { blobSchema } from './blob-schema.js';
export type { BlobConfig } from './blob-schema.js';
export { gibsSchema, gibsConcurrencySchema } from './gibs-schema.js';
export type { GibsConfig } from './gibs-schema.js';
export { harvesterSchema, harvesterServiceSchema, harvestJobSchema } from './harvester-schema.js';
export type {
  HarvesterSettings,
  HarvesterConfig,
  ResolvedHarvesterConfig,
  HarvestJobConfig,
} from './harvester-schema.js';
export { storeSchema } from './store-schema.js';
export type { StoreConfig } from './store-schema.js';
export { embedderSchema } from './embedder-schema.js';
export type { EmbedderConfig } from './embedder-schema.js';
export { trainerSchema } from './trainer-schema.js';
export type { TrainerConfig } from './trainer-schema.js';
export { alerterSchema } from './alerter-schema.js';
export type { AlerterConfig } from './alerter-schema.js';
export { apiSchema } from './api-schema.js';
export type { ApiConfig } from './api-schema.js';
export { modelSchema } from './model-schema.js';
export type { ModelConfig } from './model-schema.js';
export { parseSlice } from './parse-slice.js';
export { checkDataDir } from './check-data-dir.js';
export { envVars } from './env-vars.js';
export type { EnvVar } from './env-vars.js';
export { maskSecrets } from './mask-secrets.js';
export { busOptions, blobStoreOptions, harvestLedgerPath, vectorStoreOptions } from './adapter-options.js';
export { alertStoreOptions } from './adapter-options.js';
