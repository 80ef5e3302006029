import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiDeps } from '../api-deps.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { uiConfigReplySchema, whoamiReplySchema } from '../schemas/ui-schemas.js';

const tags = ['page'];
/** the base map's tile matrix set when the first harvest job leaves it to the capabilities */
const DEFAULT_TILE_MATRIX_SET = '250m';

/** What the page needs to start (/v1/ui-config) and who the caller is (/v1/whoami). */
export const uiRoutes: FastifyPluginAsync<{ deps: ApiDeps; version: string }> = async (instance, { deps, version }) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { config } = deps;
  const uiConfig = {
    gibsBaseUrl: config.gibs.baseUrl,
    layers: [...new Set(config.harvester.jobs.map((job) => job.layer))],
    tileMatrixSet: config.harvester.jobs[0]?.tms ?? DEFAULT_TILE_MATRIX_SET,
    openReads: config.api.openReads,
    version,
  };
  app.get(
    '/v1/ui-config',
    {
      schema: {
        tags,
        summary: "The page's settings: GIBS endpoint, the harvested layers, who may read without a key",
        response: { 200: uiConfigReplySchema },
      },
    },
    async () => uiConfig,
  );
  app.get(
    '/v1/whoami',
    {
      config: { role: 'identify' },
      schema: {
        tags,
        summary: 'The role of the key sent (anonymous without one)',
        response: { 200: whoamiReplySchema, ...errorResponses(401) },
      },
    },
    async (request) => request.identity,
  );
};
