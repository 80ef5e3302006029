import { AbortedError, AppError, RetriesExhaustedError } from '../errors/index.js';

export interface RetryPolicy {
  /** retries after the first attempt; 0 = try once */
  retries: number;
  initialMs: number;
  maxMs: number;
  /** growth per attempt (2 = doubling) */
  factor: number;
  /** 0..1: share of the delay that is randomised ("full jitter" at 1) */
  jitter: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 5, initialMs: 250, maxMs: 30_000, factor: 2, jitter: 0.5 };

/** Exponential backoff with jitter, capped. `attempt` counts from 1 (the delay after the first failure). */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt - 1));
  const spread = base * policy.jitter;
  return Math.round(base - spread + spread * random());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new AbortedError());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  signal?: AbortSignal;
  /** called before each wait; for logs and metrics */
  onRetry?: (error: AppError, attempt: number, delayMs: number) => void;
  /**
   * A server-imposed wait (Retry-After) overrides the computed backoff when larger.
   * Adapters put it on the error; the helper only reads it.
   */
  retryAfterMs?: (error: AppError) => number | undefined;
}

/**
 * Runs `op` until it succeeds, retrying only `AppError`s marked retriable. Anything else (a bug, a
 * TypeError, a non-retriable AppError) is thrown at once. When the retries run out the last error is
 * wrapped in RetriesExhaustedError, so callers can tell "gave up" from "refused".
 */
export async function withRetry<T>(
  op: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new AbortedError();
    try {
      return await op(attempt);
    } catch (error) {
      if (!(error instanceof AppError) || !error.retriable) throw error;
      if (attempt > policy.retries) throw new RetriesExhaustedError(attempt, error);
      const delay = Math.max(backoffMs(policy, attempt), Math.min(policy.maxMs, options.retryAfterMs?.(error) ?? 0));
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
