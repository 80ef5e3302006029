import { createRequire } from 'node:module';
import cors from '@fastify/cors';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { HealthCheck } from '../../shared/metrics/index.js';
import { TileSearch } from '../../shared/query/index.js';
import type { ApiDeps } from './api-deps.js';
import { apiError, apiErrorCodes } from './api-errors.js';
import { recordRequestMetrics } from './api-metrics.js';
import { installAuth } from './auth/index.js';
import { handleHttpError, notFoundBody } from './http-errors.js';
import { registerOpenApi } from './openapi.js';
import { apiReadinessChecks } from './readiness.js';
import { alertRoutes } from './routes/alert-routes.js';
import { apikeyRoutes } from './routes/apikey-routes.js';
import { opsRoutes } from './routes/ops-routes.js';
import { searchRoutes } from './routes/search-routes.js';
import { statsRoutes } from './routes/stats-routes.js';
import { tileRoutes } from './routes/tile-routes.js';
import { uiRoutes } from './routes/ui-routes.js';
import { MAX_EXAMPLES } from './schemas/search-schemas.js';
import { webRoutes } from './web/web-routes.js';

const { version: packageVersion } = createRequire(import.meta.url)('../../package.json') as { version: string };

export interface BuildAppOptions {
  /** what /readyz checks (default: apiReadinessChecks(deps)) */
  checks?: HealthCheck[];
  /** bytes of thumbnails kept in memory (default 32 MiB) */
  thumbnailCacheBytes?: number;
}

/**
 * The API as a Fastify instance, not listening (tests use inject; main.ts listens): zod validation and
 * serialisation, OpenAPI at /openapi.json and /docs, CORS, the per-client rate limit, multipart uploads, body
 * limits, API-key auth by route role, one root error handler, request logs through deps.log, and every route
 * plugin given the deps it reads.
 */
export async function buildApp(deps: ApiDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const api = deps.config.api;
  const app = Fastify({
    loggerInstance: deps.log.child({ svc: 'api' }),
    bodyLimit: api.bodyLimitBytes,
    // the socket's address is the client: X-Forwarded-For is whatever the client writes (loopback reads, limits)
    trustProxy: false,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => reply.send(handleHttpError(error, request, reply)));
  app.setNotFoundHandler((request, reply) => reply.status(404).send(notFoundBody(request)));
  // bodies are JSON (or multipart uploads): a text/plain body would reach the schemas as a string; 415 says more
  app.removeContentTypeParser('text/plain');

  if (api.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: api.corsOrigins.includes('*') ? '*' : api.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'last-event-id'],
      exposedHeaders: ['etag', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      maxAge: 600,
    });
  }
  if (api.rateLimit > 0) {
    await app.register(rateLimit, {
      max: api.rateLimit,
      timeWindow: api.rateWindowMs,
      errorResponseBuilder: (_request, context) =>
        apiError(
          apiErrorCodes.rateLimited,
          `too many requests: at most ${context.max} per ${api.rateWindowMs / 1000} s from one client; retry in ${context.after}`,
        ),
    });
  }
  await app.register(multipart, {
    limits: {
      fileSize: api.uploadLimitBytes,
      files: 2 * MAX_EXAMPLES,
      fields: 4,
      parts: 2 * MAX_EXAMPLES + 4,
      fieldSize: api.bodyLimitBytes,
    },
  });
  const version = packageVersion;
  await registerOpenApi(app, version);
  installAuth(app, { keys: deps.keys, openReads: api.openReads });
  recordRequestMetrics(app, deps.metrics);

  const search = new TileSearch({ store: deps.store, embedding: deps.embedders });
  await app.register(opsRoutes, { deps, checks: options.checks ?? apiReadinessChecks(deps) });
  await app.register(uiRoutes, { deps, version });
  await app.register(searchRoutes, { deps, search });
  await app.register(tileRoutes, { deps, search, thumbnailCacheBytes: options.thumbnailCacheBytes });
  await app.register(statsRoutes, { deps, search });
  await app.register(apikeyRoutes, { deps });
  await app.register(alertRoutes, { deps });
  await app.register(webRoutes, { deps });
  return app;
}
