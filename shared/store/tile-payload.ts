import { z } from 'zod';

const finite = z.number().finite();

/**
 * What DESIGN.md "Tiles and ids" stores with every point, as a schema: the store's `TilePayload` and the
 * `tiles.embedded` message are both this, so the alerter and analysts read one shape.
 */
export const tilePayloadSchema = z.strictObject({
  layer: z.string().min(1),
  /** RFC 3339 instant at midnight UTC of the tile's date, e.g. 2026-06-01T00:00:00Z (indexed as datetime) */
  date: z.iso.datetime(),
  tms: z.string().min(1),
  z: z.number().int().min(0),
  row: z.number().int().min(0),
  col: z.number().int().min(0),
  /** the footprint clamped to the world, [minLon, minLat, maxLon, maxLat]; tiles never cross the antimeridian */
  bbox: z.tuple([finite, finite, finite, finite]),
  /** centre of the footprint (geo index) */
  center: z.strictObject({ lon: finite, lat: finite }),
  /** checkpoint id of the model that made the vector */
  model: z.string().min(1),
  /** the tile store key of the tile's bytes */
  tile_uri: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** RFC 3339 */
  ingested_at: z.iso.datetime(),
});

export type TilePayload = z.infer<typeof tilePayloadSchema>;
