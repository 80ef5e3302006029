import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { HealthCheck } from '../../shared/metrics/index.js';

export interface ApiService {
  /** http://host:port/ of the page */
  url: string;
  checks: HealthCheck[];
  close(): Promise<void>;
}

/** PLACEHOLDER (being built): the API's composition root. */
export async function openApiService(_config: Config, _log: Logger, _registry: Registry): Promise<ApiService> {
  throw new Error('the API is not built yet');
}
