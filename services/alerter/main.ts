import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { HealthCheck } from '../../shared/metrics/index.js';

export interface AlerterService {
  checks: HealthCheck[];
  close(): Promise<void>;
}

/** PLACEHOLDER (being built): the alerter's composition root. */
export async function openAlerterService(_config: Config, _log: Logger, _registry: Registry): Promise<AlerterService> {
  throw new Error('the alerter is not built yet');
}
