import { z } from 'zod';

/** GIBS etiquette: a handful of connections; far below the 500 that gets a client blocked. The one cap on tile concurrency. */
export const MAX_GIBS_CONCURRENCY = 32;

/** Tiles (and so GIBS requests) in flight at once; the GIBS client and the harvester share it. */
export const gibsConcurrencySchema = z.number().int().min(1).max(MAX_GIBS_CONCURRENCY).default(8);

/** `gibs`: the WMTS endpoint and how politely it is used. */
export const gibsSchema = z
  .strictObject({
    baseUrl: z.url().default('https://gibs.earthdata.nasa.gov'),
    userAgent: z.string().min(1).default('gibs-embed/0.1 (set GIBS_USER_AGENT to name your operations contact)'),
    concurrency: gibsConcurrencySchema,
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    maxMbps: z.number().positive().max(50).default(50),
    retries: z.number().int().min(0).max(20).default(6),
    retryInitialMs: z.number().int().min(1).default(500),
    retryMaxMs: z.number().int().min(1).default(60_000),
  })
  .prefault({});

export type GibsConfig = z.output<typeof gibsSchema>;
