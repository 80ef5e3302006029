export { createMetricsRegistry } from './registry.js';
export { startOpsServer } from './ops-server.js';
export type { OpsServer, HealthCheck } from './ops-server.js';
export { metricsErrorCodes } from './metrics-errors.js';
export type { MetricsErrorCode } from './metrics-errors.js';
