import cron from 'node-cron';
import { ValidationError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import { harvesterErrorCodes } from './harvester-errors.js';

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

/** Refuses a cron expression or time zone node-cron would not run, naming the offending field. */
export function validateSchedule(expression: string, timezone: string): void {
  const check = cron.validateDetailed(expression);
  if (!check.valid) {
    const detail = check.errors
      .map((e) => `${e.field}${e.value !== undefined ? ` "${e.value}"` : ''}: ${e.message}`)
      .join('; ');
    throw new ValidationError(
      `harvester schedule "${expression}" is not a valid cron expression (minute hour day month weekday): ${detail}`,
      { code: harvesterErrorCodes.badSchedule },
    );
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch (error) {
    throw new ValidationError(`harvester timezone "${timezone}" is not an IANA time zone such as UTC or Europe/Paris`, {
      code: harvesterErrorCodes.badSchedule,
      cause: error,
    });
  }
}

export interface ScheduledJob {
  stop(): Promise<void>;
  nextRun(): Date | null;
}

/** Runs `run` on the cron schedule, never two at once (a slow harvest skips the next tick rather than piling up). */
export function scheduleHarvests(
  expression: string,
  timezone: string,
  run: () => Promise<void>,
  log: Logger,
): ScheduledJob {
  validateSchedule(expression, timezone);
  const task = cron.schedule(expression, run, {
    timezone,
    noOverlap: true,
    name: 'gibs-embed-harvester',
    logger: {
      info: (m) => log.info(m),
      warn: (m) => log.warn(m),
      error: (m, e) => log.error({ err: e ?? m }, typeof m === 'string' ? m : m.message),
      debug: (m, e) => log.debug({ err: e }, typeof m === 'string' ? m : m.message),
    },
  });
  return {
    stop: async () => {
      await task.destroy();
    },
    nextRun: () => task.getNextRun(),
  };
}
