import cron from 'node-cron';
import { ValidationError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/log/index.js';
import { lifecycleErrorCodes } from './lifecycle-errors.js';

/** Refuses a cron expression or time zone node-cron would not run, naming the offending field. */
export function validateTrainerSchedule(expression: string, timezone: string): void {
  const check = cron.validateDetailed(expression);
  if (!check.valid) {
    const detail = check.errors
      .map((e) => `${e.field}${e.value !== undefined ? ` "${e.value}"` : ''}: ${e.message}`)
      .join('; ');
    throw new ValidationError(
      `trainer.schedule "${expression}" is not a valid cron expression ([second] minute hour day month weekday): ${detail}`,
      { code: lifecycleErrorCodes.badSchedule },
    );
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch (error) {
    throw new ValidationError(`trainer.timezone "${timezone}" is not an IANA time zone such as UTC or Europe/Paris`, {
      code: lifecycleErrorCodes.badSchedule,
      cause: error,
    });
  }
}

export interface TrainerSchedule {
  stop(): Promise<void>;
  nextRun(): Date | null;
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
  validateTrainerSchedule(expression, timezone);
  const task = cron.schedule(expression, tick, {
    timezone,
    noOverlap: false,
    name: 'gibs-embed-trainer',
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
