export { createHarvester } from './harvester.js';
export type { Harvester, HarvesterDeps } from './harvester.js';
export type {
  HarvesterConfig,
  ResolvedHarvesterConfig,
  HarvestJob,
  HarvestRequest,
  HarvestSummary,
  HarvestFailure,
  HarvestProgress,
  HarvestOptions,
} from './harvester-config.js';
export { resolveHarvesterConfig } from './resolve-config.js';
export { openHarvestLedger, SqliteHarvestLedger } from './harvest-ledger.js';
export type { HarvestLedger, LedgerEntry, LedgerRecord, LedgerStatus } from './harvest-ledger.js';
export { planHarvest } from './harvest-plan.js';
export type { HarvestPlan, PlannedDate } from './harvest-plan.js';
export { scheduledHarvestDate, shiftDate, validateSchedule } from './harvest-schedule.js';
export { createHarvesterMetrics } from './harvester-metrics.js';
export type { HarvesterMetrics, TileOutcome } from './harvester-metrics.js';
export { createCapabilitiesCache } from './capabilities-cache.js';
export type { CapabilitiesCache } from './capabilities-cache.js';
export { harvesterErrorCodes } from './harvester-errors.js';
export type { HarvesterErrorCode } from './harvester-errors.js';
