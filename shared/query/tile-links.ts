import { worldviewUrl } from '../gibs/index.js';
import type { TilePayload } from '../store/index.js';

export interface TileLinks {
  /** the API's thumbnail of the tile, relative to the API's base URL */
  thumbnailUrl: string;
  /** the API's stored bytes of the tile, relative to the API's base URL */
  imageUrl: string;
  /** Worldview showing the tile's layer on its date over its extent */
  worldviewUrl: string;
}

/**
 * Where people see a stored tile: the one home of the API's tile paths, used by search hits, tile metadata,
 * the alert history and webhook bodies alike.
 */
export function tileLinks(id: string, payload: Pick<TilePayload, 'layer' | 'date' | 'bbox'>): TileLinks {
  return {
    thumbnailUrl: `/v1/tiles/${id}/thumbnail`,
    imageUrl: `/v1/tiles/${id}/image`,
    worldviewUrl: worldviewUrl({ layer: payload.layer, date: payload.date, bbox: payload.bbox }),
  };
}
