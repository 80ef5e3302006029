import type { BlobStore } from '../../shared/blob/index.js';
import type { Bus } from '../../shared/bus/index.js';
import { AppError, describeError } from '../../shared/errors/index.js';
import type { GibsClient } from './http/index.js';
import type { Logger } from '../../shared/log/index.js';
import { tileKey, tileKeyPrefix } from '../../shared/tiles/index.js';
import { createCapabilitiesCache, type CapabilitiesCache } from './capabilities-cache.js';
import type { HarvestLedger } from './harvest-ledger.js';
import { planHarvest, type HarvestPlan } from './harvest-plan.js';
import { scheduledHarvestDate, scheduleHarvests, shiftDate, type ScheduledJob } from './harvest-schedule.js';
import { harvestTile, type TileContext, type TileResult, type TileTask } from './harvest-tile.js';
import type {
  HarvestFailure,
  HarvestOptions,
  HarvestProgress,
  HarvestRequest,
  HarvestSummary,
  HarvesterConfig,
} from './harvester-config.js';
import type { HarvesterMetrics } from './harvester-metrics.js';
import { ClaimedTasks } from './claimed-tasks.js';
import { confirmIntentsFromBus } from './confirm-intents.js';
import { newClaimOwner } from './ledger-claims.js';
import { ProduceBatcher } from './produce-batcher.js';
import { resolveHarvesterConfig } from './resolve-config.js';
import { httpErrorCodes } from '../../shared/http/index.js';
import { harvesterErrorCodes } from './harvester-errors.js';

export interface HarvesterDeps {
  bus: Bus;
  blobs: BlobStore;
  gibs: GibsClient;
  ledger: HarvestLedger;
  log: Logger;
  metrics?: HarvesterMetrics;
  /** share one capabilities cache between components (parsing GIBS's document takes seconds); default: its own */
  capabilities?: CapabilitiesCache;
}

export interface Harvester {
  /** Backfill or one-off harvest. Bad input → ValidationError before any tile request; tile failures are counted, never thrown. */
  harvest(request: HarvestRequest, options?: HarvestOptions): Promise<HarvestSummary>;
  /**
   * Every configured job for today − lagDays, plus what the ledger lacks of the catchUpDays before it (what
   * the cron tick runs); a job that cannot run is logged and skipped.
   */
  runScheduled(now?: Date): Promise<HarvestSummary[]>;
  /** Schedules the cron job (and a first run when runOnStart). */
  start(): Promise<void>;
  /** Stops the schedule, lets in-flight tiles finish (aborting them after drainTimeoutMs), waits for running harvests. */
  stop(): Promise<void>;
  /** When the cron job fires next; null when not started. */
  nextRun(): Date | null;
}

/** How often a tile held by another harvest is tried again, once this harvest has nothing else to do. */
const CLAIM_POLL_MS = 50;

/** Failures listed in a summary at most (all are counted, and all are in the ledger). */
const MAX_LISTED_FAILURES = 1000;

function* tasksOf(plan: HarvestPlan): Generator<TileTask> {
  for (const date of plan.dates) {
    for (const z of plan.levels) {
      for (const tile of plan.tilesByLevel.get(z) ?? []) yield { date, z, row: tile.row, col: tile.col };
    }
  }
}

export function createHarvester(deps: HarvesterDeps, config: HarvesterConfig): Harvester {
  const cfg = resolveHarvesterConfig(config);
  const { log, metrics } = deps;
  const capabilities = deps.capabilities ?? createCapabilitiesCache(deps.gibs, { ttlMs: cfg.capabilitiesTtlMs, log });
  const running = new Set<Promise<unknown>>();
  let stopping = false;
  // Aborted only when stop() has waited drainTimeoutMs for in-flight tiles.
  let drain = new AbortController();
  let job: ScheduledJob | undefined;

  const track = <T>(work: Promise<T>): Promise<T> => {
    running.add(work);
    void work.finally(() => running.delete(work)).catch(() => undefined); // the caller handles `work` itself
    return work;
  };

  /**
   * Tiles an earlier harvest put on the bus without being able to record them (see confirmIntentsFromBus):
   * confirmed before any tile is fetched, so none is produced twice. If the bus cannot be read now, they are
   * produced again (at-least-once), never lost.
   */
  async function confirmEarlierIntents(plan: HarvestPlan, signal: AbortSignal): Promise<void> {
    const prefixes = plan.dates.map((d) => tileKeyPrefix(plan.layer.id, d.date, plan.tms));
    try {
      const { intents, confirmed } = await confirmIntentsFromBus(deps.bus, deps.ledger, prefixes, signal);
      if (intents > 0) {
        log.warn(
          { intents, confirmed },
          'tiles left unrecorded by an earlier harvest: those found on the bus are confirmed',
        );
      }
    } catch (error) {
      if (signal.aborted) throw error;
      const reason = describeError(error);
      log.warn(
        { err: error },
        `unrecorded tiles of an earlier harvest not checked on the bus; produced again: ${reason}`,
      );
    }
  }

  async function run(request: HarvestRequest, options: HarvestOptions): Promise<HarvestSummary> {
    const started = performance.now();
    const signal = options.signal ? AbortSignal.any([options.signal, drain.signal]) : drain.signal;
    const plan = planHarvest(request, await capabilities.get(signal), { maxTiles: cfg.maxTilesPerHarvest });
    log.info(
      { layer: plan.layer.id, tms: plan.tms, dates: plan.dates.length, levels: plan.levels, tiles: plan.total },
      'harvest started',
    );
    await confirmEarlierIntents(plan, signal);
    let unrecorded = 0;
    const batcher = new ProduceBatcher({
      bus: deps.bus,
      ledger: deps.ledger,
      batchSize: cfg.produceBatchSize,
      lingerMs: cfg.produceLingerMs,
      retry: cfg.storeRetry,
      onUnrecorded: (count, error) => {
        unrecorded += count;
        const reason = describeError(error);
        log.error({ err: error, tiles: count }, `tiles on the bus, but the ledger refused their rows: ${reason}`);
      },
    });
    const ctx: TileContext = {
      plan,
      gibs: deps.gibs,
      blobs: deps.blobs,
      ledger: deps.ledger,
      batcher,
      metrics,
      storeRetry: cfg.storeRetry,
      signal,
      skipKnownBefore: options.skipKnownBefore,
    };
    const progress: HarvestProgress = { done: 0, total: plan.total, fetched: 0, blank: 0, unchanged: 0, failed: 0 };
    const failures: HarvestFailure[] = [];
    let bytes = 0;
    let interrupted = false;
    // Claims keep overlapping harvests of this data directory (other runs, other processes) off each other's tiles.
    const owner = newClaimOwner();
    const keyOf = (t: TileTask): string => tileKey(plan.layer.id, t.date.date, plan.tms, t.z, t.row, t.col);
    const tasks = new ClaimedTasks(tasksOf(plan), keyOf, deps.ledger, owner, { pollMs: CLAIM_POLL_MS, signal });
    // A lapsed claim is only a risk of doing a tile twice, never of losing one: warn, and keep going.
    const claimTrouble = (what: string) => (error: unknown) =>
      log.warn({ err: error }, `${what}: ${describeError(error)}`);
    const renewal = setInterval(
      () => {
        deps.ledger.renewClaims(owner).catch(claimTrouble('harvest claims not renewed'));
      },
      Math.max(1, Math.floor(deps.ledger.claimLeaseMs / 3)),
    );
    renewal.unref();

    const tally = (task: TileTask, result: TileResult): void => {
      progress.done++;
      progress[result.outcome]++;
      metrics?.tiles.inc({ outcome: result.outcome });
      if (result.outcome === 'fetched') {
        bytes += result.bytes;
        metrics?.bytes.inc(result.bytes);
      } else if (result.outcome === 'failed') {
        const tile = keyOf(task);
        if (failures.length < MAX_LISTED_FAILURES) failures.push({ tile, code: result.code, reason: result.reason });
        log.debug({ tile, code: result.code }, `tile failed: ${result.reason}`);
      }
      options.onProgress?.({ ...progress });
    };

    const worker = async (): Promise<void> => {
      for (let next = await tasks.next(); next !== undefined; next = await tasks.next()) {
        if (stopping || signal.aborted) {
          interrupted = true;
          return; // its claim goes with the others when the run ends
        }
        if (!next.claimed) {
          tally(next.task, { outcome: 'failed', code: next.code, reason: next.reason });
          continue;
        }
        let result: TileResult;
        try {
          result = await harvestTile(ctx, next.task);
        } catch (error) {
          if (signal.aborted) {
            interrupted = true;
            return;
          }
          // harvestTile turns tile problems into results; reaching here means the ledger itself failed.
          log.error({ err: error }, 'tile could not be recorded');
          result = {
            outcome: 'failed',
            code: error instanceof AppError ? error.code : harvesterErrorCodes.internal,
            reason: describeError(error),
          };
        }
        // Released only now that the ledger says what became of the tile; a failed release lapses with its lease.
        await deps.ledger.release(owner, next.key).catch(claimTrouble(`claim of ${next.key} not released`));
        tally(next.task, result);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(cfg.concurrency, plan.total) }, worker));
      await batcher.drain();
    } finally {
      clearInterval(renewal);
      await deps.ledger.release(owner).catch(claimTrouble('harvest claims not released'));
    }
    // stopped early, or tiles still held by another harvest when this one was stopped
    if (progress.done < plan.total) interrupted = true;

    const summary: HarvestSummary = {
      layer: plan.layer.id,
      tms: plan.tms,
      dates: plan.dates.map((d) => d.date),
      levels: plan.levels,
      tiles: plan.total,
      fetched: progress.fetched,
      blank: progress.blank,
      unchanged: progress.unchanged,
      failed: progress.failed,
      failures,
      bytes,
      seconds: Math.round(performance.now() - started) / 1000,
      interrupted,
    };
    metrics?.harvests.inc({ result: interrupted ? 'interrupted' : summary.failed > 0 ? 'partial' : 'ok' });
    const { failures: listed, ...counts } = summary;
    const logLevel = summary.failed > 0 || interrupted || unrecorded > 0 ? 'warn' : 'info';
    const firstFailures = listed.slice(0, 5);
    log[logLevel]({ ...counts, dates: counts.dates.length, firstFailures, unrecorded }, 'harvest finished');
    return summary;
  }

  const harvester: Harvester = {
    harvest(request, options = {}) {
      if (stopping)
        return Promise.reject(
          new AppError(harvesterErrorCodes.harvesterStopped, 'the harvester is stopping; no new harvests', {
            retriable: false,
          }),
        );
      const work = run(request, options);
      // Counted here; the rejection itself goes to the caller through the returned promise.
      work.then(undefined, () => metrics?.harvests.inc({ result: 'error' }));
      return track(work);
    },

    async runScheduled(now = new Date()) {
      const date = scheduledHarvestDate(now, cfg.lagDays);
      const summaries: HarvestSummary[] = [];
      for (const j of cfg.jobs) {
        if (stopping) break;
        const request = {
          layer: j.layer,
          tms: j.tms,
          levels: j.levels,
          bbox: j.bbox,
          from: shiftDate(date, -cfg.catchUpDays),
          to: date,
        };
        try {
          summaries.push(
            await harvester.harvest(request, { skipKnownBefore: date }).catch((error: unknown) => {
              // a layer younger than the catch-up window: its own range starts later, so harvest the day alone
              if (error instanceof AppError && error.code === httpErrorCodes.dateOutOfRange && request.from !== date)
                return harvester.harvest({ ...request, from: date });
              throw error;
            }),
          );
        } catch (error) {
          // One job's bad layer or an unreachable GIBS must not cost the other jobs their run.
          log.error({ err: error, layer: j.layer, date }, `scheduled harvest failed: ${describeError(error)}`);
        }
      }
      return summaries;
    },

    async start() {
      if (job) return;
      stopping = false;
      drain = new AbortController();
      const tick = async (): Promise<void> => {
        await track(harvester.runScheduled());
      };
      job = scheduleHarvests(cfg.schedule, cfg.timezone, tick, log);
      log.info(
        {
          schedule: cfg.schedule,
          timezone: cfg.timezone,
          lagDays: cfg.lagDays,
          jobs: cfg.jobs.length,
          next: job.nextRun()?.toISOString(),
        },
        'harvester scheduled',
      );
      if (cfg.runOnStart) void tick().catch((error: unknown) => log.error({ err: error }, 'first harvest failed'));
    },

    async stop() {
      stopping = true;
      await job?.stop();
      job = undefined;
      const timer = setTimeout(() => drain.abort(), cfg.drainTimeoutMs);
      try {
        await Promise.allSettled([...running]);
      } finally {
        clearTimeout(timer);
      }
      log.info('harvester stopped');
    },

    nextRun: () => job?.nextRun() ?? null,
  };
  return harvester;
}
