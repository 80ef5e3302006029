import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

const NAME = 'gibs_embed_api_request_seconds';

/**
 * Request durations per method, route pattern (never the raw URL: ids would explode the label set) and status,
 * on the process registry. One histogram per registry: a second app on the same registry reuses it.
 */
export function recordRequestMetrics(app: FastifyInstance, registry: Registry): void {
  const seconds =
    (registry.getSingleMetric(NAME) as Histogram<'method' | 'route' | 'status'> | undefined) ??
    new Histogram({
      name: NAME,
      help: 'HTTP API request duration, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  app.addHook('onResponse', async (request, reply) => {
    seconds.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
