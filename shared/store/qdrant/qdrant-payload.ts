import { storeError, storeErrorCodes } from '../store-errors.js';
import { tilePayloadSchema, type TilePayload } from '../tile-payload.js';

/** The one named vector of every collection: analysts querying Qdrant directly use `using: "embedding"`. */
export const VECTOR_NAME = 'embedding';

/**
 * Payload fields stored beside the TilePayload only so Qdrant can filter and facet on them. A Qdrant range
 * condition compares one field with a constant, never two fields, and a condition on an array field matches
 * when any element does; so "the footprint intersects the box" needs the four bounds as separate numbers.
 * `day` is the YYYY-MM-DD of `date`, the keyword the date facet counts.
 */
export const indexFields = {
  west: 'fp_west',
  south: 'fp_south',
  east: 'fp_east',
  north: 'fp_north',
  day: 'day',
} as const;

export type PayloadIndexType = 'keyword' | 'integer' | 'float' | 'geo' | 'datetime';

/** Every payload index ensureCollection creates, before any point is written (Qdrant builds them as it ingests). */
export const PAYLOAD_INDEXES: ReadonlyArray<{ field: string; type: PayloadIndexType }> = [
  { field: 'date', type: 'datetime' },
  { field: 'center', type: 'geo' },
  { field: 'layer', type: 'keyword' },
  { field: 'model', type: 'keyword' },
  { field: 'z', type: 'integer' },
  { field: indexFields.day, type: 'keyword' },
  { field: indexFields.west, type: 'float' },
  { field: indexFields.south, type: 'float' },
  { field: indexFields.east, type: 'float' },
  { field: indexFields.north, type: 'float' },
];

export type StoredPayload = TilePayload & Record<(typeof indexFields)[keyof typeof indexFields], number | string>;

/** The day of a tile's date; dates are RFC 3339 instants in UTC (tilePayloadSchema), so it is the first 10 characters. */
export function payloadDay(date: string): string {
  return new Date(Date.parse(date)).toISOString().slice(0, 10);
}

/** What is written to Qdrant for a (validated) payload: the payload itself plus the index fields. */
export function toStoredPayload(payload: TilePayload): StoredPayload {
  const [west, south, east, north] = payload.bbox;
  return {
    ...payload,
    [indexFields.west]: west,
    [indexFields.south]: south,
    [indexFields.east]: east,
    [indexFields.north]: north,
    [indexFields.day]: payloadDay(payload.date),
  };
}

const payloadKeys = Object.keys(tilePayloadSchema.shape) as Array<keyof TilePayload>;

/**
 * The TilePayload of a stored payload: the index fields are dropped so `payload` round-trips exactly. A
 * payload that is not a tile payload (someone wrote to the collection by hand) is STORE_CORRUPT: the answer is
 * not what the store must hold, and asking again will not change it.
 */
export function fromStoredPayload(raw: unknown, id: unknown): TilePayload {
  const picked: Record<string, unknown> = {};
  if (typeof raw === 'object' && raw !== null) {
    for (const key of payloadKeys) {
      if (key in raw) picked[key] = (raw as Record<string, unknown>)[key];
    }
  }
  const parsed = tilePayloadSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw storeError(
      storeErrorCodes.corrupt,
      `point ${String(id)} holds no tile payload in Qdrant (${issue.path.join('.') || 'payload'}: ${issue.message})`,
      { cause: parsed.error },
    );
  }
  return parsed.data;
}
