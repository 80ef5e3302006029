import type { Logger } from '../../../shared/log/index.js';
import { scheduleCron, validateCronSchedule, type ScheduledJob } from '../../../shared/schedule/index.js';

export type TrainerSchedule = ScheduledJob;

/** Refuses a trainer schedule or time zone node-cron would not run, naming the offending field. */
export function validateTrainerSchedule(expression: string, timezone: string): void {
  validateCronSchedule(expression, timezone, 'trainer.schedule');
}

/**
 * Calls `tick` on the cron schedule. Overlap is the tick's business (node-cron's own prevention would
 * skip silently): the trainer logs and counts a tick that finds a run in progress.
 */
export function scheduleTrainerRuns(
  expression: string,
  timezone: string,
  tick: () => void,
  log: Logger,
): TrainerSchedule {
  return scheduleCron({ expression, timezone, name: 'trainer.schedule', noOverlap: false, log }, tick);
}
