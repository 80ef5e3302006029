import type { Config } from '../../../shared/config/index.js';
import type { GibsClientOptions } from './gibs-client.js';

/** The `gibs` config slice → GibsClient options (the retry policy's shape is fixed; its bounds are configurable). */
export function gibsClientOptions(config: Config): GibsClientOptions {
  const g = config.gibs;
  return {
    baseUrl: g.baseUrl,
    userAgent: g.userAgent,
    concurrency: g.concurrency,
    timeoutMs: g.timeoutMs,
    maxMbps: g.maxMbps,
    retry: { retries: g.retries, initialMs: g.retryInitialMs, maxMs: g.retryMaxMs, factor: 2, jitter: 0.5 },
  };
}
