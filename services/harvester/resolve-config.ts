import {
  harvesterServiceSchema,
  parseSlice,
  type HarvesterConfig,
  type ResolvedHarvesterConfig,
} from '../../shared/config/index.js';
import { validateSchedule } from './harvest-schedule.js';

export type { ResolvedHarvesterConfig };

/**
 * Fills defaults and refuses anything out of range or unknown through the harvester's schema slice (a
 * ConfigError naming `harvester.<key>`, the value and what is allowed), then checks what the schema cannot
 * express: that node-cron runs the schedule in that time zone. Pure (no I/O).
 */
export function resolveHarvesterConfig(config: HarvesterConfig): ResolvedHarvesterConfig {
  const resolved = parseSlice(harvesterServiceSchema, config, 'harvester');
  validateSchedule(resolved.schedule, resolved.timezone);
  return resolved;
}
