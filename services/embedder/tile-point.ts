import type { TopicPayload } from '../../shared/bus/index.js';
import type { TilePayload, VectorPoint } from '../../shared/store/index.js';
import { tileCenter } from '../../shared/tiles/index.js';

export type FetchedTile = TopicPayload<'tiles.fetched'>;

/**
 * The stored payload of a tile (DESIGN.md "Tiles and ids") as one model embedded it. `sha256` is the hash of the
 * bytes actually embedded: the tile store key is overwritten by a newer harvest of the same tile, so the message's
 * hash may be older than what was read.
 */
export function tilePayload(tile: FetchedTile, model: string, sha256: string, ingestedAt: string): TilePayload {
  return {
    layer: tile.layer,
    date: `${tile.date}T00:00:00Z`,
    tms: tile.tms,
    z: tile.z,
    row: tile.row,
    col: tile.col,
    bbox: [...tile.bbox],
    center: tileCenter(tile.bbox),
    model,
    tile_uri: tile.blob_key,
    sha256,
    ingested_at: ingestedAt,
  };
}

/** The same point for another model: same payload, its own vector and model id. */
export function forModel(point: VectorPoint, model: string, vector: Float32Array): VectorPoint {
  return { id: point.id, vector, payload: { ...point.payload, model } };
}
