import { AbortedError, ValidationError, describeError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface RetryUntilStoppedOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  log: Logger;
  /** who pauses, first word of the log lines ('embedder' → "embedder: paused, …", "embedder: resumed") */
  service: string;
  /** told of each wait with the failure's code (a service counts pauses by code in its metrics) */
  onPause?: (code: string) => void;
  /**
   * Aborted when the service is asked to stop. The attempt under way (and a first attempt started after the stop:
   * the batch in flight is finished) still runs to its end, but a stopping service does not wait out an outage:
   * it rejects with AbortedError and leaves its batch uncommitted, to be redone.
   */
  stopping: AbortSignal;
}

/**
 * Runs `op` until it succeeds, pausing with exponential backoff and jitter (withRetry: capped, never giving up)
 * while it fails with a retriable AppError — a store or bus outage, a busy database, a full disk — and logging each
 * wait and the resumption. Anything else is thrown at once: the caller decides between the DLQ and failing.
 * Stopping during a pause, or a failure once stopping, rejects with AbortedError. This is how a consumer-group
 * service (embedder, alerter) keeps "pause the consumer, retry with backoff, drop nothing" (DESIGN.md "Delivery
 * semantics").
 */
export async function retryUntilStopped<T>(
  what: string,
  op: () => Promise<T>,
  options: RetryUntilStoppedOptions,
): Promise<T> {
  const { initialBackoffMs, maxBackoffMs, log, service, stopping } = options;
  // a NaN, zero or negative backoff would turn an outage into a busy loop (maxBackoffMs below initialBackoffMs is
  // fine: every wait is then maxBackoffMs)
  if (!(initialBackoffMs > 0 && maxBackoffMs > 0 && Number.isFinite(initialBackoffMs) && Number.isFinite(maxBackoffMs)))
    throw new ValidationError(
      `retryUntilStopped needs finite backoffs > 0, got initialBackoffMs ${initialBackoffMs} and maxBackoffMs ${maxBackoffMs}`,
    );
  const policy: RetryPolicy = {
    retries: Number.POSITIVE_INFINITY,
    initialMs: initialBackoffMs,
    maxMs: maxBackoffMs,
    factor: 2,
    jitter: 0.2,
  };
  // withRetry refuses to start once its signal is aborted, but a stopping service still finishes the attempt it
  // starts: so the waits alone follow `stopping`, through a signal of their own tied to it at the first pause
  // (most calls never pause, and need no listener)
  const waits = new AbortController();
  const endWait = () => waits.abort();
  let paused = 0;
  try {
    const result = await withRetry(op, policy, {
      signal: waits.signal,
      onRetry: (error, attempt, delayMs) => {
        if (stopping.aborted) throw new AbortedError(`stopping while ${what} was failing: ${describeError(error)}`);
        if (paused === 0) stopping.addEventListener('abort', endWait, { once: true });
        paused = attempt;
        options.onPause?.(error.code);
        log.warn(
          { what, code: error.code, err: error.message, attempt, delayMs },
          `${service}: paused, ${what} failed; retrying in ${delayMs} ms`,
        );
      },
    });
    if (paused > 0) log.info({ what, attempts: paused + 1 }, `${service}: resumed`);
    return result;
  } finally {
    if (paused > 0) stopping.removeEventListener('abort', endWait);
  }
}
