import { z } from 'zod';
import { tilePayloadSchema } from '../../../shared/store/index.js';

export const MIN_THUMBNAIL = 32;
export const MAX_THUMBNAIL = 512;

export const tileReplySchema = z.strictObject({
  id: z.string(),
  collection: z.string().describe('the serving collection holding the tile'),
  model: z.string().describe('checkpoint id of its vector'),
  payload: tilePayloadSchema,
  thumbnailUrl: z.string(),
  imageUrl: z.string(),
  worldviewUrl: z.string(),
});

export const thumbnailQuerySchema = z.object({
  size: z.coerce.number().int().min(MIN_THUMBNAIL).max(MAX_THUMBNAIL).default(128).describe('longest side in pixels'),
});

/** image bytes (documented only: Fastify sends a Buffer as it is, without the serializer) */
export const imageBytesSchema = z.any().describe('the image bytes');

/** 304 to a matching If-None-Match: no body */
export const notModifiedSchema = z.null().describe('not modified (the ETag matched)');

export const MIN_SAMPLE = 10;
export const MAX_SAMPLE = 2000;

export const sampleQuerySchema = z.object({
  limit: z.coerce.number().int().min(MIN_SAMPLE).max(MAX_SAMPLE).default(500),
  seed: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1)
    .describe('the same seed gives the same sample'),
});

export const sampleReplySchema = z.strictObject({
  model: z.string(),
  collection: z.string(),
  points: z.array(
    z.strictObject({
      id: z.string(),
      vector: z.array(z.number()),
      layer: z.string(),
      date: z.string().describe('the tile day, YYYY-MM-DD'),
      thumbnailUrl: z.string(),
    }),
  ),
});
