import { z } from 'zod';

const facetCounts = z.array(z.strictObject({ value: z.string(), count: z.number().int() }));

/** The fields of `gibs-embed stats --json`, plus the serving model. */
export const statsReplySchema = z.strictObject({
  model: z.string().nullable().describe('checkpoint id of the serving collection; null before anything is embedded'),
  alias: z.strictObject({ name: z.string(), collection: z.string().nullable() }),
  collections: z.array(
    z.strictObject({ name: z.string(), dimension: z.number().int(), points: z.number().int(), serving: z.boolean() }),
  ),
  byLayer: facetCounts.describe('points per layer of the serving collection'),
  byDate: facetCounts.describe('points per day of the serving collection'),
  byModel: facetCounts.describe('points per model over every collection'),
  embedderLag: z
    .strictObject({
      group: z.string(),
      topic: z.string(),
      lag: z.number().int(),
      partitions: z.array(
        z.strictObject({
          topic: z.string(),
          partition: z.number().int(),
          committed: z.string().nullable(),
          end: z.string(),
          lag: z.number().int(),
        }),
      ),
    })
    .nullable()
    .describe('the embedders behind on tiles.fetched; null without a bus or before the first harvest'),
  dlq: z.strictObject({ topic: z.string(), messages: z.number().int() }).nullable(),
});
