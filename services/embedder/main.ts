import type { Registry } from 'prom-client';
import type { Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { HealthCheck } from '../../shared/metrics/index.js';

export interface EmbedderService {
  checks: HealthCheck[];
  /** drains the batch in flight, then releases every adapter it opened */
  close(): Promise<void>;
}

/** The embedder's composition root (placeholder until the service lands). */
export async function openEmbedderService(config: Config, log: Logger, registry: Registry): Promise<EmbedderService> {
  void config;
  void log;
  void registry;
  throw new Error('embedder service not built yet');
}
