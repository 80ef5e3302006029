export { loadConfig, ConfigError } from './load-config.js';
export type { LoadConfigOptions } from './load-config.js';
export { configSchema } from './schema.js';
export type { Config, BusConfig, GibsConfig, HarvesterSettings, HarvestJobConfig } from './schema.js';
export { envVars } from './env-vars.js';
export type { EnvVar } from './env-vars.js';
export { maskSecrets } from './mask-secrets.js';
export { busOptions, blobStoreOptions, gibsClientOptions, harvestLedgerPath } from './adapter-options.js';
