import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TileSearch } from '../../../shared/query/index.js';
import type { ApiDeps } from '../api-deps.js';
import { AUTH_ERRORS, errorResponses } from '../schemas/common-schemas.js';
import {
  MAX_REACHABLE_HITS,
  searchAnyReplySchema,
  searchBodySchema,
  searchQuerySchema,
} from '../schemas/search-schemas.js';
import { multipartToBody } from '../search/multipart-body.js';
import { toTileQuery } from '../search/search-input.js';
import { toSearchGeoJson, toSearchReply } from '../search/search-reply.js';

/**
 * POST /v1/search: tiles like the positives (and unlike the negatives) in the serving collection, filtered and
 * paged. JSON, or multipart/form-data with the images as file parts (multipart-body.ts). Pages come from one
 * ranking: the store is asked for offset + limit hits and the page sliced off, so page two continues page one.
 */
export const searchRoutes: FastifyPluginAsync<{ deps: ApiDeps; search: TileSearch }> = async (
  instance,
  { deps, search },
) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const uploadLimit = deps.config.api.uploadLimitBytes;
  app.post(
    '/v1/search',
    {
      config: { role: 'read' },
      preValidation: multipartToBody,
      schema: {
        tags: ['search'],
        summary: 'Find tiles like the examples (tile ids, vectors or images), filtered and paged',
        consumes: ['application/json', 'multipart/form-data'],
        querystring: searchQuerySchema,
        body: searchBodySchema,
        response: { 200: searchAnyReplySchema, ...errorResponses(400, 404, 409, 413, 415, ...AUTH_ERRORS, 503) },
      },
    },
    async (request) => {
      const { limit, offset } = request.body;
      const query = await toTileQuery(request.body, uploadLimit);
      const wanted = Math.min(offset + limit, MAX_REACHABLE_HITS);
      const result = await search.search({ ...query, limit: wanted });
      const more = result.hits.length === wanted && offset + limit < MAX_REACHABLE_HITS;
      const page = {
        model: result.model,
        collection: result.collection,
        limit,
        offset,
        nextOffset: more ? offset + limit : null,
        hits: result.hits.slice(offset, offset + limit),
      };
      const format = request.query.format ?? request.body.format ?? 'json';
      return format === 'geojson' ? toSearchGeoJson(page) : toSearchReply(page);
    },
  );
};
