import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { HealthCheck } from '../../../shared/metrics/index.js';
import type { ApiDeps } from '../api-deps.js';
import { runChecks } from '../readiness.js';
import { healthReplySchema, readyReplySchema } from '../schemas/ui-schemas.js';

const tags = ['ops'];
// probes and scrapers poll: they are never rate limited and need no key
const config = { rateLimit: false } as const;

/** /healthz (the process answers), /readyz (its dependencies answer: 200 or 503) and /metrics (Prometheus text). */
export const opsRoutes: FastifyPluginAsync<{ deps: ApiDeps; checks: HealthCheck[] }> = async (
  instance,
  { deps, checks },
) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/healthz',
    { config, schema: { tags, summary: 'The process is up', response: { 200: healthReplySchema } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config,
      schema: {
        tags,
        summary: 'Every dependency answers (vector store, alert store, key store)',
        response: { 200: readyReplySchema, 503: readyReplySchema },
      },
    },
    async (request, reply) => {
      const results = await runChecks(checks, (name, error) =>
        request.log.warn({ err: error, check: name }, 'readiness check failed'),
      );
      const ok = results.every((r) => r.ok);
      reply.status(ok ? 200 : 503);
      return { status: ok ? ('ok' as const) : ('unavailable' as const), checks: results };
    },
  );
  app.get(
    '/metrics',
    {
      config,
      // text, not JSON: no response schema (the serializer would quote it)
      schema: {
        tags,
        summary: 'Prometheus metrics of this process (text exposition format)',
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      reply.type(deps.metrics.contentType);
      return deps.metrics.metrics();
    },
  );
};
