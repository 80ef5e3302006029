import { z } from 'zod';
import { parseRfc3339 } from '../../../shared/gibs/index.js';
import { tilePayloadSchema } from '../../../shared/store/index.js';
import { bboxSchema, dateSchema, nearSchema, tileIdSchema } from './common-schemas.js';

export const MAX_EXAMPLES = 16;
export const MAX_SEARCH_LIMIT = 200;
export const MAX_SEARCH_OFFSET = 1000;
/** the store returns at most this many hits for one query: offset + limit beyond it cannot be reached */
export const MAX_REACHABLE_HITS = 1000;
const MAX_VECTOR_LENGTH = 65_536;
const MAX_NAME = 500;

/** One example: a stored tile, a vector of the serving collection's space, or an image (base64 JPEG/PNG). */
export const exampleSchema = z
  .strictObject({
    tileId: tileIdSchema.optional(),
    vector: z.array(z.number()).min(1).max(MAX_VECTOR_LENGTH).optional().describe('a vector of the serving model'),
    image: z.string().min(1).optional().describe('a JPEG or PNG image, base64 (a data: URL prefix is accepted)'),
    name: z.string().min(1).max(MAX_NAME).optional().describe("names an image example in messages (a file's name)"),
  })
  .superRefine((example, ctx) => {
    const given = (['tileId', 'vector', 'image'] as const).filter((key) => example[key] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: `an example is exactly one of {tileId}, {vector} or {image}; got ${given.length === 0 ? 'none' : given.join(' and ')}`,
      });
    if (example.name !== undefined && example.image === undefined)
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'name goes with an image example only' });
  })
  .describe('{ tileId } | { vector } | { image, name? }');

export type ExampleInput = z.output<typeof exampleSchema>;

export const searchFilterSchema = z
  .strictObject({
    from: dateSchema.optional().describe('tiles dated on or after (YYYY-MM-DD or RFC 3339)'),
    to: dateSchema.optional().describe('tiles dated on or before (YYYY-MM-DD or RFC 3339)'),
    bbox: bboxSchema.optional(),
    near: nearSchema.optional(),
    layers: z.array(z.string().min(1)).min(1).max(1000).optional().describe('GIBS layer ids'),
    levels: z.array(z.number().int().min(0).max(30)).min(1).max(31).optional().describe('tile matrix levels (z)'),
    models: z.array(z.string().min(1)).min(1).max(100).optional().describe('checkpoint ids that made the vectors'),
  })
  .superRefine((filter, ctx) => {
    if (filter.from === undefined || filter.to === undefined) return;
    const from = parseRfc3339(filter.from);
    const to = parseRfc3339(filter.to);
    if (from !== undefined && to !== undefined && from > to)
      ctx.addIssue({ code: 'custom', path: ['from'], message: `${filter.from} is after to ${filter.to}` });
  })
  .describe('every field optional; all given must hold');

export type SearchFilterInput = z.output<typeof searchFilterSchema>;

export const searchFormatSchema = z.enum(['json', 'geojson']);

export const searchBodySchema = z
  .strictObject({
    positives: z.array(exampleSchema).min(1).max(MAX_EXAMPLES).describe('what to find tiles like'),
    negatives: z.array(exampleSchema).max(MAX_EXAMPLES).optional().describe('what to steer away from'),
    filter: searchFilterSchema.optional(),
    limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(20),
    offset: z.number().int().min(0).max(MAX_SEARCH_OFFSET).default(0),
    format: searchFormatSchema.optional().describe('json (default) or geojson; ?format= works as well'),
  })
  .describe(
    'JSON, or multipart/form-data: file parts `image` (positives) and `negative` (repeatable), and an optional part `query` holding this JSON without the image examples',
  );

export type SearchBody = z.output<typeof searchBodySchema>;

export const searchQuerySchema = z.object({ format: searchFormatSchema.optional() });

const urlsShape = {
  thumbnailUrl: z.string().describe('/v1/tiles/<id>/thumbnail'),
  imageUrl: z.string().describe('/v1/tiles/<id>/image'),
  worldviewUrl: z.string().describe('the tile in NASA Worldview'),
};

export const hitSchema = z.strictObject({
  id: z.string(),
  score: z.number().describe('cosine similarity'),
  payload: tilePayloadSchema,
  ...urlsShape,
});

export const searchReplySchema = z.strictObject({
  model: z.string().describe('checkpoint id of the serving collection'),
  collection: z.string(),
  limit: z.number().int(),
  offset: z.number().int(),
  nextOffset: z.number().int().nullable().describe('offset of the next page; null when there is none'),
  hits: z.array(hitSchema),
});

export const searchFeatureSchema = z.strictObject({
  type: z.literal('Feature'),
  id: z.string(),
  geometry: z.strictObject({
    type: z.literal('Polygon'),
    coordinates: z.array(z.array(z.tuple([z.number(), z.number()]))),
  }),
  properties: z.strictObject({
    rank: z.number().int().describe('1 = best, across pages'),
    score: z.number(),
    layer: z.string(),
    date: z.string(),
    z: z.number().int(),
    row: z.number().int(),
    col: z.number().int(),
    tms: z.string(),
    model: z.string(),
    ...urlsShape,
  }),
});

export const searchGeoJsonReplySchema = z.strictObject({
  type: z.literal('FeatureCollection'),
  model: z.string(),
  nextOffset: z.number().int().nullable(),
  features: z.array(searchFeatureSchema),
});

export const searchAnyReplySchema = z.union([searchReplySchema, searchGeoJsonReplySchema]);
export type SearchReply = z.output<typeof searchReplySchema>;
export type SearchGeoJsonReply = z.output<typeof searchGeoJsonReplySchema>;
