export { withRetry, backoffMs, sleep, defaultRetryPolicy } from './retry.js';
export type { RetryPolicy, RetryOptions } from './retry.js';
export { retryUntilStopped, type RetryUntilStoppedOptions } from './retry-until-stopped.js';
