import type { Logger } from '../../shared/log/index.js';
import { scheduleCron, validateCronSchedule, type ScheduledJob } from '../../shared/schedule/index.js';

export type { ScheduledJob };

const DAY_MS = 86_400_000;

/** The day a scheduled run harvests: today in UTC minus `lagDays` (GIBS publishes a day or more late). */
export function scheduledHarvestDate(now: Date, lagDays: number): string {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return new Date(today - lagDays * DAY_MS).toISOString().slice(0, 10);
}

/** A YYYY-MM-DD date moved by whole days. */
export function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Refuses a harvest schedule or time zone node-cron would not run, naming the offending field. */
export function validateSchedule(expression: string, timezone: string): void {
  validateCronSchedule(expression, timezone, 'harvester.schedule');
}

/** Runs `run` on the cron schedule, never two at once (a slow harvest skips the next tick rather than piling up). */
export function scheduleHarvests(
  expression: string,
  timezone: string,
  run: () => Promise<void>,
  log: Logger,
): ScheduledJob {
  return scheduleCron({ expression, timezone, name: 'harvester.schedule', noOverlap: true, log }, run);
}
