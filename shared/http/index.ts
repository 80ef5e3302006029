export { GibsClient, userAgent, MAX_CONCURRENCY, MAX_MBPS } from './gibs-client.js';
export type { GibsClientOptions, FetchOptions, TileFetch } from './gibs-client.js';
export { HttpError, errorForStatus, errorForNetwork, retryAfterOf } from './http-error.js';
export { parseRetryAfter } from './retry-after.js';
export { ConcurrencyLimiter } from './concurrency-limiter.js';
export { TokenBucket } from './token-bucket.js';
export type { TokenBucketOptions } from './token-bucket.js';
