import { ValidationError } from '../../shared/errors/index.js';
import { validateBbox } from '../../shared/tiles/index.js';
import { harvesterDefaults, MAX_HARVEST_CONCURRENCY, type HarvesterConfig } from './harvester-config.js';
import { validateSchedule } from './harvest-schedule.js';

export type ResolvedHarvesterConfig = Required<HarvesterConfig>;

function positiveInt(name: string, value: number, max = Number.MAX_SAFE_INTEGER, min = 1): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`harvester ${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Fills defaults and refuses anything out of bounds, naming the key; pure (no I/O). */
export function resolveHarvesterConfig(config: HarvesterConfig): ResolvedHarvesterConfig {
  const resolved: ResolvedHarvesterConfig = {
    schedule: config.schedule ?? harvesterDefaults.schedule,
    lagDays: config.lagDays ?? harvesterDefaults.lagDays,
    catchUpDays: config.catchUpDays ?? harvesterDefaults.catchUpDays,
    timezone: config.timezone ?? harvesterDefaults.timezone,
    jobs: config.jobs ?? [],
    concurrency: config.concurrency ?? harvesterDefaults.concurrency,
    runOnStart: config.runOnStart ?? false,
    capabilitiesTtlMs: config.capabilitiesTtlMs ?? harvesterDefaults.capabilitiesTtlMs,
    maxTilesPerHarvest: config.maxTilesPerHarvest ?? harvesterDefaults.maxTilesPerHarvest,
    drainTimeoutMs: config.drainTimeoutMs ?? harvesterDefaults.drainTimeoutMs,
    produceBatchSize: config.produceBatchSize ?? harvesterDefaults.produceBatchSize,
    produceLingerMs: config.produceLingerMs ?? harvesterDefaults.produceLingerMs,
    storeRetry: config.storeRetry ?? harvesterDefaults.storeRetry,
  };
  validateSchedule(resolved.schedule, resolved.timezone);
  positiveInt('lagDays', resolved.lagDays, 365, 0);
  positiveInt('catchUpDays', resolved.catchUpDays, 60, 0);
  if (!Number.isInteger(resolved.concurrency) || resolved.concurrency < 1 || resolved.concurrency > MAX_HARVEST_CONCURRENCY) {
    throw new ValidationError(`harvester concurrency ${resolved.concurrency} is not allowed: use 1 to ${MAX_HARVEST_CONCURRENCY} (GIBS asks for a handful of connections)`);
  }
  positiveInt('capabilitiesTtlMs', resolved.capabilitiesTtlMs, Number.MAX_SAFE_INTEGER, 0);
  positiveInt('maxTilesPerHarvest', resolved.maxTilesPerHarvest);
  positiveInt('drainTimeoutMs', resolved.drainTimeoutMs, Number.MAX_SAFE_INTEGER, 0);
  positiveInt('produceBatchSize', resolved.produceBatchSize, 10_000);
  positiveInt('produceLingerMs', resolved.produceLingerMs, 60_000, 0);
  resolved.jobs.forEach((job, i) => {
    if (typeof job.layer !== 'string' || job.layer.length === 0) throw new ValidationError(`harvester jobs[${i}].layer must name a GIBS layer`);
    if (!Array.isArray(job.levels) || job.levels.length === 0 || !job.levels.every((z) => Number.isInteger(z) && z >= 0)) {
      throw new ValidationError(`harvester jobs[${i}].levels must be a non-empty list of levels (integers >= 0), got ${JSON.stringify(job.levels)}`);
    }
    if (job.bbox !== undefined) validateBbox(job.bbox);
  });
  return resolved;
}
