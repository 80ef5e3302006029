import cron from 'node-cron';
import { ValidationError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { scheduleErrorCodes } from './schedule-errors.js';

/**
 * Refuses a cron expression or time zone node-cron would not run, naming the offending field; `what` names the
 * setting in the message (e.g. "harvester schedule").
 */
export function validateCronSchedule(expression: string, timezone: string, what: string): void {
  const check = cron.validateDetailed(expression);
  if (!check.valid) {
    const detail = check.errors
      .map((e) => `${e.field}${e.value !== undefined ? ` "${e.value}"` : ''}: ${e.message}`)
      .join('; ');
    throw new ValidationError(
      `${what} "${expression}" is not a valid cron expression ([second] minute hour day month weekday): ${detail}`,
      { code: scheduleErrorCodes.badSchedule },
    );
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch (error) {
    throw new ValidationError(`${what} time zone "${timezone}" is not an IANA time zone such as UTC or Europe/Paris`, {
      code: scheduleErrorCodes.badSchedule,
      cause: error,
    });
  }
}

export interface ScheduledJob {
  stop(): Promise<void>;
  /** when the job fires next */
  nextRun(): Date | null;
}

export interface CronScheduleOptions {
  expression: string;
  timezone: string;
  /** names the job in node-cron's logs and in validation messages */
  name: string;
  /**
   * true: node-cron skips a tick while the previous one still runs (silently); false: every tick calls
   * `tick`, which decides itself (e.g. to log and count the skip)
   */
  noOverlap: boolean;
  log: Logger;
}

/** Calls `tick` on the cron schedule in its time zone, node-cron's own logs going to `log`. */
export function scheduleCron(options: CronScheduleOptions, tick: () => void | Promise<void>): ScheduledJob {
  const { expression, timezone, name, noOverlap, log } = options;
  validateCronSchedule(expression, timezone, name);
  const task = cron.schedule(expression, tick, {
    timezone,
    noOverlap,
    name,
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
