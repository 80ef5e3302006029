import { z } from 'zod';
import { ValidationError } from '../../../shared/errors/index.js';
import { parseRfc3339 } from '../../../shared/gibs/index.js';
import { validateBbox } from '../../../shared/tiles/index.js';
import { errorBodySchema } from '../http-errors.js';

/** A tile's point id (a UUID); upper case is accepted and lower-cased, the form the store keys points by. */
export const tileIdSchema = z
  .string()
  .toLowerCase()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a UUID (a point id)')
  .describe("a tile's point id (UUIDv5 of layer/date/tms/z/row/col)");

export const tileIdParamsSchema = z.strictObject({ id: tileIdSchema });

/** YYYY-MM-DD (that day's midnight UTC) or an RFC 3339 instant, as the store's date filter takes it. */
export const dateSchema = z
  .string()
  .refine(
    (value) => parseRfc3339(value) !== undefined,
    'must be a calendar date YYYY-MM-DD or an RFC 3339 instant such as 2026-06-01T00:00:00Z',
  )
  .describe('YYYY-MM-DD or an RFC 3339 instant');

// zod 4 numbers refuse NaN and ±Infinity
export const bboxSchema = z
  .tuple([z.number(), z.number(), z.number(), z.number()])
  .superRefine((bbox, ctx) => {
    // the one rule of shared/tiles (lon in [-180, 180], lat in [-90, 90], minLat < maxLat), so API and store agree
    try {
      validateBbox(bbox);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  })
  .describe('[minLon, minLat, maxLon, maxLat] in degrees; minLon > maxLon crosses the antimeridian');

export const nearSchema = z
  .strictObject({
    lon: z.number().min(-180).max(180),
    lat: z.number().min(-90).max(90),
    /** half the Earth's circumference: anything larger is everything */
    radiusKm: z.number().positive().max(20_040),
  })
  .describe("tiles whose footprint's centre lies within radiusKm (great circle) of the point");

/** The error answers a route documents; the body is the contract's error body for each. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof errorBodySchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorBodySchema])) as Record<S, typeof errorBodySchema>;
}

/** What every route with a role can answer besides its own: no key, a key too weak, too many requests. */
export const AUTH_ERRORS = [401, 403, 429] as const;
