import type { BlobStore } from '../../../shared/blob/index.js';
import { AbortedError, AppError, describeError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/log/index.js';
import type { VectorStore } from '../../../shared/store/index.js';
import { embedderErrorCodes } from '../embedder-errors.js';
import type { EmbedderMetrics } from '../embedder-metrics.js';
import type { ModelSet } from '../model-set.js';
import { runReembed, type ReembedOptions } from './reembed-job.js';

export interface ReembedSupervisorDeps {
  models: ModelSet;
  store: VectorStore;
  blobs: BlobStore;
  log: Logger;
  metrics?: EmbedderMetrics;
}

export interface ReembedSupervisorOptions extends Pick<
  ReembedOptions,
  'lockFile' | 'progressFile' | 'pageSize' | 'initialBackoffMs' | 'maxBackoffMs'
> {
  /** how often to look again while a job is due but could not run (locked by another process, failed) */
  retryMs: number;
}

export interface ReembedSupervisor {
  /** stops a running job between pages (its progress is saved) and waits for it */
  close(): Promise<void>;
}

/**
 * Runs the re-embed job in the embedder's process whenever `latest` is loaded and is not the serving model yet
 * (`gibs-embed start` with embedder.reembed). One job at a time here; across processes the job's lock decides, and
 * the others look again every retryMs. A job that cannot complete (tiles gone) is not retried for that model.
 */
export function superviseReembed(deps: ReembedSupervisorDeps, options: ReembedSupervisorOptions): ReembedSupervisor {
  const { models, log } = deps;
  const closing = new AbortController();
  const givenUp = new Set<string>();
  let running: { model: string; abort: AbortController; done: Promise<void> } | undefined;

  const run = async (modelId: string, signal: AbortSignal) => {
    const held = await models.hold(modelId);
    try {
      const summary = await runReembed(
        { store: deps.store, blobs: deps.blobs, model: held.runtime, log, metrics: deps.metrics },
        { ...options, signal, onSwitched: (collection) => models.noteAlias(collection) },
      );
      models.noteAlias(summary.target);
    } finally {
      held.release();
    }
  };

  const check = () => {
    if (closing.signal.aborted) return;
    const modelId = models.pendingReembed();
    if (running) {
      // `latest` moved on (another promotion, a rollback) while filling a model that is no longer wanted: stop it
      // between pages; the next check starts the job for the new one
      if (running.model !== modelId && running.model !== models.serving) running.abort.abort();
      return;
    }
    if (modelId === undefined || givenUp.has(modelId)) return;
    const abort = new AbortController();
    const done = run(modelId, AbortSignal.any([closing.signal, abort.signal]))
      .catch((error: unknown) => {
        if (error instanceof AbortedError) return;
        if (error instanceof AppError && error.code === embedderErrorCodes.reembedLocked) {
          log.info({ model: modelId }, 're-embed: another process runs the job; looking again later');
          return;
        }
        if (error instanceof AppError && error.code === embedderErrorCodes.reembedIncomplete) givenUp.add(modelId);
        log.error({ model: modelId, err: describeError(error) }, 're-embed: the job failed');
      })
      .finally(() => {
        running = undefined;
        if (abort.signal.aborted) check();
      });
    running = { model: modelId, abort, done };
  };

  const unsubscribe = models.onChange(check);
  const timer = setInterval(check, options.retryMs);
  timer.unref();
  check();
  return {
    async close() {
      unsubscribe();
      clearInterval(timer);
      closing.abort();
      await running?.done;
    },
  };
}
