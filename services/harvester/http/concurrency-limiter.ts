import { AbortedError, ValidationError } from '../../../shared/errors/index.js';

interface Waiter {
  start: () => void;
}

/**
 * At most `limit` operations run at once; the rest wait in FIFO order. A waiter whose signal aborts leaves
 * the queue with AbortedError without ever running. Small on purpose: the HTTP client takes one slot per
 * attempt (not across its backoff sleeps, so a request waiting out a Retry-After holds no connection).
 */
export class ConcurrencyLimiter {
  readonly limit: number;
  private running = 0;
  private readonly queue: Waiter[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new ValidationError(`concurrency limit must be an integer >= 1, got ${limit}`);
    this.limit = limit;
  }

  /** operations running now */
  get active(): number {
    return this.running;
  }

  /** operations waiting for a slot */
  get pending(): number {
    return this.queue.length;
  }

  async run<T>(op: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await op();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    if (this.running < this.limit) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) this.queue.splice(index, 1);
        reject(new AbortedError());
      };
      const waiter: Waiter = {
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
    });
  }

  private release(): void {
    const next = this.queue.shift();
    // The slot passes straight to the next waiter, so `running` stays the same.
    if (next) next.start();
    else this.running--;
  }
}
