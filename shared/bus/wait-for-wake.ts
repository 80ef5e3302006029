import { AbortedError } from '../errors/index.js';

/**
 * A set of sleepers that a producer in the same process can wake early, so an embedded consumer sees a
 * fresh message at once instead of at its next polling tick. Other processes are seen at the next tick.
 */
export class WakeSet {
  private readonly sleepers = new Set<() => void>();

  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** resolves after `ms`, on `wakeAll()`, or rejects with AbortedError when `signal` aborts */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    return new Promise((resolve, reject) => {
      const done = (error?: AbortedError) => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const wake = () => done();
      const onAbort = () => done(new AbortedError('poll aborted'));
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
