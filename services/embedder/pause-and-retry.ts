import { AbortedError, AppError, describeError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import { backoffMs, sleep, type RetryPolicy } from '../../shared/retry/index.js';
import type { EmbedderMetrics } from './embedder-metrics.js';

export interface PauseContext {
  initialBackoffMs: number;
  maxBackoffMs: number;
  log: Logger;
  metrics?: EmbedderMetrics;
  /**
   * Aborted when the embedder is asked to stop. The attempt under way still runs to its end (a batch in flight is
   * finished), but a stopping embedder does not wait out an outage: it leaves the batch uncommitted, to be redone.
   */
  stopping: AbortSignal;
}

/**
 * Runs `op` until it succeeds, pausing with exponential backoff (capped, never giving up) while it fails with a
 * retriable AppError — a store or bus outage, a full disk — and logging each wait and the resumption. Anything
 * else is thrown at once. Stopping during a pause rejects with AbortedError.
 */
export async function pauseAndRetry<T>(what: string, op: () => Promise<T>, ctx: PauseContext): Promise<T> {
  const policy: RetryPolicy = {
    retries: Number.POSITIVE_INFINITY,
    initialMs: ctx.initialBackoffMs,
    maxMs: ctx.maxBackoffMs,
    factor: 2,
    jitter: 0.2,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await op();
      if (attempt > 1) ctx.log.info({ what, attempts: attempt }, 'embedder: resumed');
      return result;
    } catch (error) {
      if (!(error instanceof AppError) || !error.retriable) throw error;
      if (ctx.stopping.aborted) throw new AbortedError(`stopping while ${what} was failing: ${describeError(error)}`);
      const delayMs = backoffMs(policy, attempt);
      ctx.metrics?.pauses.inc({ code: error.code });
      ctx.log.warn(
        { what, code: error.code, err: error.message, attempt, delayMs },
        `embedder: paused, ${what} failed; retrying in ${delayMs} ms`,
      );
      await sleep(delayMs, ctx.stopping);
    }
  }
}
