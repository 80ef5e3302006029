import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TrainerConfig } from '../../../shared/config/index.js';
import { ioError, isErrno } from '../../../shared/fs/index.js';
import type { Logger } from '../../../shared/log/index.js';
import { AppError, describeError } from '../../../shared/errors/index.js';
import type { TrainerMetrics } from './trainer-metrics.js';
import { scheduleTrainerRuns, validateTrainerSchedule, type TrainerSchedule } from './trainer-schedule.js';
import { lifecycleErrorCodes } from './lifecycle-errors.js';
import {
  RUN_FOLDER_PREFIX,
  runTrainingCycle,
  type CycleOutcome,
  type CycleResult,
  type TrainingCycleConfig,
  type TrainingCycleDeps,
} from './training-cycle.js';

export interface TrainerDeps extends TrainingCycleDeps {
  metrics?: TrainerMetrics;
}

export type PeriodicTrainerConfig = TrainingCycleConfig & Pick<TrainerConfig, 'schedule' | 'timezone' | 'runOnStart'>;

/** A run's result, or 'busy' when another run was in progress (nothing was done). */
export type TrainerRunResult = CycleResult | { outcome: 'busy'; reason: string };

export interface Trainer {
  /**
   * Removes the folders of runs a dead process left, then schedules the runs on `schedule` (and one right
   * away when runOnStart). Bad schedule → ValidationError.
   */
  start(): Promise<void>;
  /**
   * One run now, as a tick would run it; resolves 'busy' at once when a run is in progress (runs never
   * overlap). A failed run rejects (and is logged and counted); after stop() it rejects 'TRAINER_STOPPED'.
   */
  runOnce(): Promise<TrainerRunResult>;
  /** Stops the schedule, aborts the run in progress (its partial checkpoint is not registered) and waits for it. */
  stop(): Promise<void>;
  /** When the schedule fires next; null when not started. */
  nextRun(): Date | null;
  /** whether a run is in progress */
  busy(): boolean;
}

/**
 * A run removes its folder when it ends; one is left only by a process that died mid-run. Its partial
 * candidate was never registered, so nothing refers to it.
 */
async function removeStaleRuns(workDir: string, log: Logger): Promise<void> {
  let names: string[];
  try {
    names = await readdir(workDir);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return;
    throw ioError(lifecycleErrorCodes.workDirIo, `cannot read the trainer's work folder ${workDir}`, error);
  }
  for (const name of names.filter((n) => n.startsWith(RUN_FOLDER_PREFIX))) {
    const dir = path.join(workDir, name);
    log.warn({ dir }, 'removing the folder of a run that did not finish');
    await rm(dir, { recursive: true, force: true }).catch((error: unknown) => {
      throw ioError(lifecycleErrorCodes.workDirIo, `cannot remove ${dir}`, error);
    });
  }
}

type Settled = { ok: true; result: TrainerRunResult } | { ok: false; error: unknown };

export function createTrainer(deps: TrainerDeps, config: PeriodicTrainerConfig): Trainer {
  const { log, metrics } = deps;
  let schedule: TrainerSchedule | undefined;
  let stopping = false;
  let current: { controller: AbortController; done: Promise<Settled> } | undefined;

  const count = (outcome: CycleOutcome | 'busy' | 'failed') => metrics?.runs.inc({ outcome });

  /** One run, or 'busy'; never rejects: the outcome is logged and counted here, the caller decides what to rethrow. */
  const execute = (): Promise<Settled> => {
    if (current) {
      const reason = 'a training run is still in progress; runs never overlap';
      log.info(`trainer run skipped: ${reason}`);
      count('busy');
      return Promise.resolve({ ok: true, result: { outcome: 'busy', reason } });
    }
    const controller = new AbortController();
    const started = performance.now();
    const done = runTrainingCycle(deps, config, controller.signal).then(
      (result): Settled => {
        count(result.outcome);
        if (result.outcome === 'promoted') metrics?.promotions.inc();
        return { ok: true, result };
      },
      (error: unknown): Settled => {
        count('failed');
        log.error({ err: error }, `trainer run failed: ${describeError(error)}`);
        return { ok: false, error };
      },
    );
    const run = {
      controller,
      done: done.finally(() => {
        const seconds = (performance.now() - started) / 1000;
        metrics?.lastRunSeconds.set(seconds);
        log.info({ seconds: Math.round(seconds * 10) / 10 }, 'trainer run finished');
        if (current === run) current = undefined;
      }),
    };
    current = run;
    return run.done;
  };

  return {
    async start() {
      if (schedule) return;
      validateTrainerSchedule(config.schedule, config.timezone);
      stopping = false;
      await removeStaleRuns(config.workDir, log);
      schedule = scheduleTrainerRuns(
        config.schedule,
        config.timezone,
        () => {
          if (!stopping) void execute();
        },
        log,
      );
      log.info(
        { schedule: config.schedule, timezone: config.timezone, next: schedule.nextRun()?.toISOString() },
        'trainer scheduled',
      );
      if (config.runOnStart) void execute();
    },

    async runOnce() {
      if (stopping)
        throw new AppError(lifecycleErrorCodes.trainerStopped, 'the trainer is stopping; no new runs', {
          retriable: false,
        });
      const settled = await execute();
      if (!settled.ok) throw settled.error;
      return settled.result;
    },

    async stop() {
      stopping = true;
      await schedule?.stop();
      schedule = undefined;
      const run = current;
      if (run) {
        log.info('trainer stopping: aborting the run in progress');
        run.controller.abort();
        await run.done;
      }
      log.info('trainer stopped');
    },

    nextRun: () => schedule?.nextRun() ?? null,
    busy: () => current !== undefined,
  };
}
