import type { AlertRecord, AlertStore } from '../../shared/alerts/index.js';
import type { Bus, BusConsumer, BusRecord } from '../../shared/bus/index.js';
import { AbortedError, ValidationError, describeError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import { retryUntilStopped, sleep, type RetryUntilStoppedOptions } from '../../shared/retry/index.js';
import { alerterErrorCodes } from './alerter-errors.js';
import type { AlerterMetrics } from './alerter-metrics.js';
import { EMBEDDED_TOPIC, processBatch, type BatchSummary } from './process-batch.js';
import type { ReferenceEmbedder } from './reference-embedder.js';
import { RuleBook } from './rule-book.js';

export interface AlerterDeps {
  bus: Bus;
  store: AlertStore;
  embedder: ReferenceEmbedder;
  log: Logger;
  metrics?: AlerterMetrics;
  /** the clock: tile ages, alert times, scored marks */
  now?: () => Date;
  /** told after alerts were recorded (the webhook loop is woken) */
  onAlerts?: (alerts: readonly AlertRecord[]) => void;
}

export interface AlerterOptions {
  groupId: string;
  /** a tile dated more than this many UTC days before today is a backfill and never alerts */
  maxAgeDays: number;
  /** records per poll (default 128) */
  batchSize?: number;
  /** one poll's wait for a first record, also how often an idle alerter looks at `stop` (default 500 ms) */
  idleWaitMs?: number;
  /** the rules are read again at most this often (default 1000 ms; 0: before every batch) */
  rulesRefreshMs?: number;
  /** pause after a retriable failure, doubling up to maxBackoffMs (defaults 500 ms, 30 s) */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** group session lease (the bus's default when omitted) */
  sessionTimeoutMs?: number;
}

export interface Alerter {
  /** joins the group and starts scoring; `done` settles when it has stopped */
  start(): void;
  /** resolves once stopped; rejects with the failure that stopped it (not retriable: a damaged store, a bug) */
  readonly done: Promise<void>;
  /** resolves once the group has committed every record of tiles.embedded and no batch is in flight here */
  untilIdle(signal?: AbortSignal): Promise<void>;
  /** true while it runs */
  healthy(): boolean;
  /**
   * Reads the rules and makes `model`'s reference vectors ready (embedding what is missing), so the first batch of
   * a newly promoted model does not wait for them. Batches would do the same on demand.
   */
  prepareModel(model: string): Promise<void>;
  /** finishes the batch in flight (record, produce, mark, commit), then leaves the group */
  stop(): Promise<void>;
}

const IDLE_CHECK_MS = 50;
const LAG_REPORT_MS = 1000;

/**
 * The alerter (DESIGN.md "Data flow"): one member of the consumer group `groupId` on tiles.embedded, scoring each
 * batch of new tiles against every enabled rule at once (process-batch.ts). Several alerter processes share the
 * partitions; the store's atomic recordAlert keeps a tile from alerting twice even across them.
 */
export function createAlerter(deps: AlerterDeps, options: AlerterOptions): Alerter {
  const batchSize = options.batchSize ?? 128;
  const idleWaitMs = options.idleWaitMs ?? 500;
  if (!Number.isInteger(options.maxAgeDays) || options.maxAgeDays < 0)
    throw new ValidationError(`maxAgeDays must be an integer >= 0, got ${options.maxAgeDays}`, {
      code: alerterErrorCodes.badOptions,
    });
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ValidationError(`batchSize must be a positive integer, got ${batchSize}`, {
      code: alerterErrorCodes.badOptions,
    });
  const now = deps.now ?? (() => new Date());
  const stopping = new AbortController();
  const pause: RetryUntilStoppedOptions = {
    initialBackoffMs: options.initialBackoffMs ?? 500,
    maxBackoffMs: options.maxBackoffMs ?? 30_000,
    log: deps.log,
    service: 'alerter',
    onPause: (code) => deps.metrics?.pauses.inc({ code }),
    stopping: stopping.signal,
  };
  const rules = new RuleBook(
    { store: deps.store, embedder: deps.embedder, log: deps.log, metrics: deps.metrics },
    { refreshMs: options.rulesRefreshMs ?? 1000 },
  );
  const consumer: BusConsumer = deps.bus.consumer({
    groupId: options.groupId,
    topics: [EMBEDDED_TOPIC],
    ...(options.sessionTimeoutMs !== undefined ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
  });
  let started: Promise<void> | undefined;
  let idle = false;
  let failure: unknown;
  let lastLagReport = Number.NEGATIVE_INFINITY;
  let resolveDone: () => void = () => {};
  let rejectDone: (error: unknown) => void = () => {};
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // observed by whoever awaits `done`; never an unhandled rejection when nobody does (healthy() reports it)
  done.catch(() => undefined);

  const poll = async (): Promise<BusRecord[]> => {
    try {
      return await consumer.poll({ maxMessages: batchSize, timeoutMs: idleWaitMs, signal: stopping.signal });
    } catch (error) {
      if (error instanceof AbortedError && stopping.signal.aborted) return [];
      throw error;
    }
  };

  const reportLag = async (force: boolean) => {
    const gauge = deps.metrics?.lag;
    if (!gauge || (!force && performance.now() - lastLagReport < LAG_REPORT_MS)) return;
    lastLagReport = performance.now();
    try {
      for (const p of await consumer.lag()) gauge.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
    } catch (error) {
      // a metric is not worth stopping for; the next report tries again
      deps.log.debug({ err: describeError(error) }, 'alerter: reading the consumer lag failed');
    }
  };

  const run = async () => {
    let wasIdle = false;
    while (!stopping.signal.aborted) {
      const records = await retryUntilStopped('polling tiles.embedded', poll, pause);
      if (records.length === 0) {
        if (!wasIdle) await reportLag(true);
        idle = wasIdle = true;
        continue;
      }
      idle = wasIdle = false;
      const summary: BatchSummary = await processBatch(
        records,
        consumer,
        {
          bus: deps.bus,
          store: deps.store,
          rules,
          log: deps.log,
          metrics: deps.metrics,
          now,
          pause,
          onAlerts: deps.onAlerts,
        },
        { maxAgeDays: options.maxAgeDays },
      );
      deps.log.debug({ records: records.length, ...summary }, 'alerter: batch committed');
      await reportLag(false);
    }
  };

  return {
    start() {
      if (started) return;
      deps.log.info({ group: options.groupId, maxAgeDays: options.maxAgeDays }, 'alerter: started');
      started = run()
        .then(
          () => undefined,
          (error: unknown) => {
            if (error instanceof AbortedError && stopping.signal.aborted) {
              deps.log.warn({ err: error.message }, 'alerter: stopped during an outage; the batch will be redone');
              return undefined;
            }
            failure = error;
            deps.log.error({ err: describeError(error) }, 'alerter: failed');
            return error;
          },
        )
        .then(async (error) => {
          idle = true;
          await consumer
            .close()
            .catch((closeError: unknown) =>
              deps.log.warn({ err: describeError(closeError) }, 'alerter: leaving the consumer group failed'),
            );
          if (error === undefined) resolveDone();
          else rejectDone(error);
        });
    },
    done,
    async untilIdle(signal) {
      for (;;) {
        if (failure !== undefined) throw failure;
        if (idle) {
          const lag = await consumer.lag();
          if (lag.every((p) => p.lag === 0) && idle) return;
        }
        await sleep(IDLE_CHECK_MS, signal);
      }
    },
    healthy: () => started !== undefined && !stopping.signal.aborted && failure === undefined,
    async prepareModel(model) {
      await retryUntilStopped('reading the alert rules', () => rules.refresh(true), pause);
      await retryUntilStopped(`preparing the rules for model ${model}`, () => rules.matrixFor(model), pause);
    },
    async stop() {
      stopping.abort();
      if (started) await started;
      else await consumer.close();
    },
  };
}
