import { z } from 'zod';

/** `api`: the HTTP API (search, tiles, stats, alert rules and history) and the web page. */
export const apiSchema = z
  .strictObject({
    /** `gibs-embed start` serves the API and the page */
    enabled: z.boolean().default(true),
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 picks a free port */
    port: z.number().int().min(0).max(65535).default(8080),
    /**
     * Who may read without an API key: `loopback` (requests from 127.0.0.0/8 or ::1), `always` or `never`.
     * Writes always need a key with the write (or admin) role.
     */
    openReads: z.enum(['loopback', 'always', 'never']).default('loopback'),
    /** API keys (hashed) live here; default DATA_DIR/api-keys.db */
    keysPath: z.string().default(''),
    /** largest JSON body, bytes */
    bodyLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(16 * 1024 * 1024),
    /** largest uploaded image, bytes */
    uploadLimitBytes: z
      .number()
      .int()
      .min(1024)
      .max(256 * 1024 * 1024)
      .default(10 * 1024 * 1024),
    /** requests per client per window; 0 switches rate limiting off */
    rateLimit: z.number().int().min(0).default(600),
    rateWindowMs: z.number().int().min(1000).default(60_000),
    /** origins allowed by CORS (exact origins, or "*"); empty: no CORS headers */
    corsOrigins: z.array(z.string().min(1)).default([]),
  })
  .prefault({});

export type ApiConfig = z.output<typeof apiSchema>;
