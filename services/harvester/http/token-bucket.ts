import { ValidationError } from '../../../shared/errors/index.js';
import { sleep } from '../../../shared/retry/index.js';

export interface TokenBucketOptions {
  /** tokens (bytes) added per second */
  ratePerSecond: number;
  /** most tokens that can accumulate while idle; default one second's worth */
  burst?: number;
  /** milliseconds clock; injectable for tests */
  now?: () => number;
}

/**
 * A token bucket that may go into debt: `take(n)` deducts n at once and waits until the balance is back
 * to zero. Callers are served in the order they asked, any chunk size works (even one bigger than the
 * burst), and the long-run rate never exceeds `ratePerSecond`. Shared by every request of a client, so
 * the cap holds for the process, not per connection.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly now: () => number;
  private balance: number;
  private last: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
      throw new ValidationError(`token bucket rate must be a positive finite number, got ${options.ratePerSecond}`);
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = options.burst ?? options.ratePerSecond;
    if (!(this.burst >= 0)) throw new ValidationError(`token bucket burst must be >= 0, got ${this.burst}`);
    this.now = options.now ?? Date.now;
    this.balance = this.burst;
    this.last = this.now();
  }

  /** Deducts `tokens` and resolves once the bucket is out of debt; milliseconds waited (0 when none). */
  async take(tokens: number, signal?: AbortSignal): Promise<number> {
    const wait = this.reserve(tokens);
    if (wait > 0) await sleep(wait, signal);
    return wait;
  }

  /** Deducts `tokens` and returns how long the caller must wait before using them. */
  reserve(tokens: number): number {
    if (!(tokens >= 0)) throw new ValidationError(`cannot take ${tokens} tokens`);
    this.refill();
    this.balance -= tokens;
    return this.balance >= 0 ? 0 : Math.ceil((-this.balance / this.ratePerSecond) * 1000);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.balance = Math.min(this.burst, this.balance + elapsed * this.ratePerSecond);
  }
}
