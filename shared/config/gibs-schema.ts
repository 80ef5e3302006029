import { z } from 'zod';
import { GIBS_DEFAULT_CONCURRENCY, GIBS_MAX_CONCURRENCY, GIBS_MAX_MBPS } from '../gibs/index.js';

/** Tiles (and so GIBS requests) in flight at once; the GIBS client and the harvester share it. */
export const gibsConcurrencySchema = z
  .number()
  .int()
  .min(1)
  .max(GIBS_MAX_CONCURRENCY)
  .default(GIBS_DEFAULT_CONCURRENCY);

/** `gibs`: the WMTS endpoint and how politely it is used. */
export const gibsSchema = z
  .strictObject({
    baseUrl: z.url().default('https://gibs.earthdata.nasa.gov'),
    userAgent: z.string().min(1).default('gibs-embed/0.1 (set GIBS_USER_AGENT to name your operations contact)'),
    concurrency: gibsConcurrencySchema,
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    maxMbps: z.number().positive().max(GIBS_MAX_MBPS).default(GIBS_MAX_MBPS),
    retries: z.number().int().min(0).max(20).default(6),
    retryInitialMs: z.number().int().min(1).default(500),
    retryMaxMs: z.number().int().min(1).default(60_000),
  })
  .prefault({});

export type GibsConfig = z.output<typeof gibsSchema>;
