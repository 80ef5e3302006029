import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TileSearch } from '../../../shared/query/index.js';
import type { ApiDeps } from '../api-deps.js';
import { AUTH_ERRORS, errorResponses, tileIdParamsSchema } from '../schemas/common-schemas.js';
import {
  imageBytesSchema,
  notModifiedSchema,
  sampleQuerySchema,
  sampleReplySchema,
  thumbnailQuerySchema,
  tileReplySchema,
} from '../schemas/tile-schemas.js';
import { tileLinks } from '../../../shared/query/index.js';
import { sampleEmbeddings } from '../tiles/embedding-sample.js';
import { ThumbnailCache } from '../tiles/thumbnail-cache.js';
import { findTile, imageContentType, tileImage } from '../tiles/tile-lookup.js';

const tags = ['tiles'];
const config = { role: 'read' } as const;
/** tile bytes at one key may be replaced by a re-harvest (the ETag says so); an hour keeps the page quick */
const CACHE_CONTROL = 'public, max-age=3600';

export interface TileRoutesOptions {
  deps: ApiDeps;
  search: TileSearch;
  /** bytes of thumbnails kept in memory (default 32 MiB) */
  thumbnailCacheBytes?: number;
}

/** A stored tile: its record, its image bytes, a thumbnail; and a seeded sample of the embedding space. */
export const tileRoutes: FastifyPluginAsync<TileRoutesOptions> = async (instance, options) => {
  const app = instance.withTypeProvider<ZodTypeProvider>();
  const { store, blobs } = options.deps;
  const thumbnails = new ThumbnailCache(options.thumbnailCacheBytes ?? 32 * 1024 * 1024);
  const errors = errorResponses(400, 404, ...AUTH_ERRORS, 503);

  app.get(
    '/v1/tiles/:id',
    {
      config,
      schema: {
        tags,
        summary: 'A tile of the serving collection: payload and links',
        params: tileIdParamsSchema,
        response: { 200: tileReplySchema, ...errors },
      },
    },
    async (request) => {
      const { collection, point } = await findTile(store, request.params.id);
      return {
        id: point.id,
        collection,
        model: point.payload.model,
        payload: point.payload,
        ...tileLinks(point.id, point.payload),
      };
    },
  );

  app.get(
    '/v1/tiles/:id/image',
    {
      config,
      schema: {
        tags,
        summary: "The tile's stored image (JPEG or PNG); ETag = its sha256",
        params: tileIdParamsSchema,
        produces: ['image/jpeg', 'image/png'],
        response: { 200: imageBytesSchema, 304: notModifiedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { point } = await findTile(store, request.params.id);
      const etag = `"${point.payload.sha256}"`;
      reply.header('etag', etag).header('cache-control', CACHE_CONTROL);
      if (request.headers['if-none-match'] === etag) return reply.status(304).send(null);
      const bytes = await tileImage(blobs, point);
      return reply.type(imageContentType(point.payload.tile_uri)).send(Buffer.from(bytes));
    },
  );

  app.get(
    '/v1/tiles/:id/thumbnail',
    {
      config,
      schema: {
        tags,
        summary: 'A JPEG thumbnail of the tile (longest side `size` px)',
        params: tileIdParamsSchema,
        querystring: thumbnailQuerySchema,
        produces: ['image/jpeg'],
        response: { 200: imageBytesSchema, 304: notModifiedSchema, ...errors },
      },
    },
    async (request, reply) => {
      const { point } = await findTile(store, request.params.id);
      const { size } = request.query;
      const etag = `"${point.payload.sha256}-${size}"`;
      reply.header('etag', etag).header('cache-control', CACHE_CONTROL);
      if (request.headers['if-none-match'] === etag) return reply.status(304).send(null);
      const jpeg = await thumbnails.get(point.payload.sha256, size, () => tileImage(blobs, point));
      return reply.type('image/jpeg').send(jpeg);
    },
  );

  app.get(
    '/v1/embedding-sample',
    {
      config,
      schema: {
        tags,
        summary: 'A seeded sample of the serving collection with vectors (for a 2-D map of the space)',
        querystring: sampleQuerySchema,
        response: { 200: sampleReplySchema, ...errorResponses(400, 409, ...AUTH_ERRORS, 503) },
      },
    },
    async (request) => {
      const { collection, model } = await options.search.servingModel();
      const points = await sampleEmbeddings(store, collection, request.query.limit, request.query.seed);
      return {
        model,
        collection,
        points: points.map((p) => ({
          id: p.id,
          vector: Array.from(p.vector),
          layer: p.payload.layer,
          date: p.payload.date.slice(0, 10),
          thumbnailUrl: tileLinks(p.id, p.payload).thumbnailUrl,
        })),
      };
    },
  );
};
