import type { BlobStore } from '../../shared/blob/index.js';
import type { BusConsumer, BusRecord } from '../../shared/bus/index.js';
import { AbortedError, describeError } from '../../shared/errors/index.js';
import { retryUntilStopped, type RetryUntilStoppedOptions } from '../../shared/retry/index.js';
import { collectBatch } from './collect-batch.js';
import { prepareBatch, type Batch } from './embed-batch.js';
import { writeBatch, type WriteDeps } from './write-batch.js';

export interface MemberDeps extends WriteDeps {
  blobs: BlobStore;
}

export interface MemberOptions {
  batchSize: number;
  lingerMs: number;
  /** one poll's wait for a first record (also how often an idle member looks at `stopping`) */
  idleWaitMs: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
}

/** the lag gauge is refreshed at most this often per member */
const LAG_REPORT_MS = 1000;

/**
 * Batches a member has polled and not yet committed. Three keep both cores busy: while one is written (store and
 * bus I/O), the next is run through ONNX (main thread) and the one after is decoded (worker threads, libuv).
 */
const IN_FLIGHT = 3;

/**
 * One consumer-group member: polls micro-batches of tiles.fetched and runs each through read → embed → write →
 * commit. Batches overlap (IN_FLIGHT), but each one's write starts only after the previous one is committed, so
 * commits stay in poll order; a batch that fails for good stops the member and every later batch stays uncommitted.
 */
export class EmbedMember {
  /** the last poll found nothing and no batch is in flight */
  idle = false;
  /** why the member stopped, when it was not asked to */
  failure: unknown;
  private lastLagReport = 0;
  /** a commit happened since the lag gauge was last set */
  private lagStale = false;
  private readonly pause: RetryUntilStoppedOptions;

  constructor(
    readonly consumer: BusConsumer,
    private readonly deps: MemberDeps,
    private readonly options: MemberOptions,
    private readonly stopping: AbortSignal,
  ) {
    this.pause = {
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      log: deps.log,
      service: 'embedder',
      onPause: (code) => deps.metrics?.pauses.inc({ code }),
      stopping,
    };
  }

  /** runs until `stopping` aborts (the batches in flight are finished first) or a failure that is not retriable */
  async run(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    let previous: Promise<void> = Promise.resolve();
    let failed: { error: unknown } | undefined;
    try {
      while (!this.stopping.aborted && failed === undefined) {
        if (inFlight.size >= IN_FLIGHT) {
          await Promise.race(inFlight);
          continue;
        }
        const records = await retryUntilStopped('polling tiles.fetched', () => this.poll(), this.pause);
        if (records.length === 0) {
          await Promise.all(inFlight);
          this.idle = failed === undefined;
          if (this.lagStale) await this.reportLag(true);
          continue;
        }
        this.idle = false;
        const after = previous;
        const batch = this.process(records, after).catch((error: unknown) => {
          failed ??= { error };
        });
        previous = batch.then(() => {
          if (failed) throw failed.error;
        });
        // a later batch waits on this one's commit: keep its rejection observed
        previous.catch(() => undefined);
        inFlight.add(batch);
        void batch.finally(() => inFlight.delete(batch));
      }
      await Promise.all(inFlight);
    } catch (error) {
      failed ??= { error };
      await Promise.all(inFlight);
    } finally {
      this.idle = true;
    }
    if (failed === undefined) return;
    const { error } = failed;
    if (error instanceof AbortedError) {
      this.deps.log.warn(
        { member: this.consumer.memberId, err: error.message },
        'embedder: stopped during an outage; uncommitted batches will be redone',
      );
      return;
    }
    this.failure = error;
    this.deps.log.error({ member: this.consumer.memberId, err: describeError(error) }, 'embedder: member failed');
    throw error;
  }

  private poll(): Promise<BusRecord[]> {
    return collectBatch(this.consumer, {
      batchSize: this.options.batchSize,
      lingerMs: this.options.lingerMs,
      idleWaitMs: this.options.idleWaitMs,
      signal: this.stopping,
    });
  }

  /** one batch, start to commit; its write waits for `previous` (the batch polled before it) to be committed */
  private async process(records: BusRecord[], previous: Promise<void>): Promise<void> {
    const startedAt = performance.now();
    // the models this batch is written with are fixed here, at its start
    const targets = this.deps.models.acquire();
    let batch: Batch | undefined;
    try {
      batch = await retryUntilStopped(
        'reading and embedding a batch',
        () => prepareBatch(records, targets, this.deps.blobs, startedAt, this.deps.now),
        this.pause,
      );
      const embeddedAt = performance.now();
      this.deps.crash?.('after-decode');
      await previous;
      const writeStart = performance.now();
      await retryUntilStopped('writing a batch', () => writeBatch(batch!, this.consumer, this.deps), this.pause);
      this.deps.log.debug(
        {
          records: records.length,
          prepareMs: Math.round(embeddedAt - startedAt),
          queuedMs: Math.round(writeStart - embeddedAt),
          writeMs: Math.round(performance.now() - writeStart),
        },
        'embedder: batch committed',
      );
    } finally {
      targets.release();
      batch?.extra?.release();
    }
    this.lagStale = true;
    await this.reportLag(false);
  }

  /** sets the lag gauge, at most every LAG_REPORT_MS unless `now` (the member just went idle) */
  private async reportLag(now: boolean): Promise<void> {
    const gauge = this.deps.metrics?.lag;
    if (!gauge || (!now && performance.now() - this.lastLagReport < LAG_REPORT_MS)) return;
    this.lastLagReport = performance.now();
    this.lagStale = false;
    try {
      for (const p of await this.consumer.lag()) gauge.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
    } catch (error) {
      // a metric is not worth failing a member for; the next report tries again
      this.deps.log.debug({ err: describeError(error) }, 'embedder: reading the consumer lag failed');
    }
  }
}
