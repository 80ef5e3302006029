import { AbortedError, describeError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import { withRetry, type RetryPolicy } from '../../shared/retry/index.js';

export interface PauseContext {
  initialBackoffMs: number;
  maxBackoffMs: number;
  log: Logger;
  /** counts each wait by the failure's code */
  onPause?: (code: string) => void;
  /**
   * Aborted when the alerter is asked to stop. The attempt under way (and a first attempt started after the stop:
   * the batch in flight is finished) still runs, but a stopping alerter does not wait out an outage: it rejects
   * with AbortedError and leaves the batch uncommitted, to be redone.
   */
  stopping: AbortSignal;
}

/**
 * Runs `op` until it succeeds, pausing with exponential backoff and jitter (shared/retry, capped, never giving up)
 * while it fails with a retriable AppError — the store busy, the bus down, a full disk. Anything else is thrown
 * at once: the caller decides between the DLQ and failing.
 */
export async function retryUntilStopped<T>(what: string, op: () => Promise<T>, ctx: PauseContext): Promise<T> {
  const policy: RetryPolicy = {
    retries: Number.POSITIVE_INFINITY,
    initialMs: ctx.initialBackoffMs,
    maxMs: ctx.maxBackoffMs,
    factor: 2,
    jitter: 0.2,
  };
  // withRetry refuses to start once its signal is aborted; the waits alone follow `stopping`, from the first one
  const waits = new AbortController();
  const endWait = () => waits.abort();
  let paused = 0;
  try {
    const result = await withRetry(op, policy, {
      signal: waits.signal,
      onRetry: (error, attempt, delayMs) => {
        if (ctx.stopping.aborted) throw new AbortedError(`stopping while ${what} was failing: ${describeError(error)}`);
        if (paused === 0) ctx.stopping.addEventListener('abort', endWait, { once: true });
        paused = attempt;
        ctx.onPause?.(error.code);
        ctx.log.warn(
          { what, code: error.code, err: error.message, attempt, delayMs },
          `alerter: paused, ${what} failed; retrying in ${delayMs} ms`,
        );
      },
    });
    if (paused > 0) ctx.log.info({ what, attempts: paused + 1 }, 'alerter: resumed');
    return result;
  } finally {
    ctx.stopping.removeEventListener('abort', endWait);
  }
}
