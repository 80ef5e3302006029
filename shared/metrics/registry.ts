import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process (created by the composition root and handed to each service's metrics
 * factory), so tests can build their own and nothing registers at import time.
 */
export function createMetricsRegistry(
  options: { defaultMetrics: boolean; labels?: Record<string, string> } = { defaultMetrics: true },
): Registry {
  const registry = new Registry();
  if (options.labels) registry.setDefaultLabels(options.labels);
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'gibs_embed_' });
  return registry;
}
