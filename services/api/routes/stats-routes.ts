import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../../shared/errors/index.js';
import { queryErrorCodes, readBusStats, readStoreStats, type TileSearch } from '../../../shared/query/index.js';
import type { ApiDeps } from '../api-deps.js';
import { AUTH_ERRORS, errorResponses } from '../schemas/common-schemas.js';
import { statsReplySchema } from '../schemas/stats-schemas.js';

/** GET /v1/stats: what `gibs-embed stats --json` prints (the same shared readers), plus the serving model. */
export const statsRoutes: FastifyPluginAsync<{ deps: ApiDeps; search: TileSearch }> = async (
  instance,
  { deps, search },
) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/v1/stats',
    {
      config: { role: 'read' },
      schema: {
        tags: ['stats'],
        summary: 'Points per layer, date and model, the collections, embedder lag and dead letters',
        response: { 200: statsReplySchema, ...errorResponses(...AUTH_ERRORS, 503) },
      },
    },
    async () => {
      const [store, bus, model] = await Promise.all([
        readStoreStats(deps.store),
        deps.bus ? readBusStats(deps.bus, deps.config.embedder.groupId) : { embedderLag: null, dlq: null },
        servingModelOrNull(search),
      ]);
      return { model, ...store, ...bus };
    },
  );
};

/** The serving model, or null before anything is embedded (stats answer then too). */
async function servingModelOrNull(search: TileSearch): Promise<string | null> {
  try {
    return (await search.servingModel()).model;
  } catch (error) {
    if (error instanceof AppError && error.code === queryErrorCodes.indexEmpty) return null;
    throw error;
  }
}
