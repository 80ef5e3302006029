export { GibsClient, userAgent } from './gibs-client.js';
export type { GibsClientOptions, FetchOptions, TileFetch } from './gibs-client.js';
export { gibsClientOptions } from './gibs-client-options.js';
export { ConcurrencyLimiter } from './concurrency-limiter.js';
export { TokenBucket } from './token-bucket.js';
export type { TokenBucketOptions } from './token-bucket.js';
export { gibsClientErrorCodes } from './gibs-client-errors.js';
export type { GibsClientErrorCode } from './gibs-client-errors.js';
