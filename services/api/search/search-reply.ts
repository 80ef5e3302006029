import { tileLinks } from '../../../shared/query/index.js';
import type { Hit } from '../../../shared/store/index.js';
import type { SearchGeoJsonReply, SearchReply } from '../schemas/search-schemas.js';

export interface SearchPage {
  model: string;
  collection: string;
  limit: number;
  offset: number;
  nextOffset: number | null;
  /** this page's hits, best first */
  hits: Hit[];
}

export function toSearchReply(page: SearchPage): SearchReply {
  return {
    model: page.model,
    collection: page.collection,
    limit: page.limit,
    offset: page.offset,
    nextOffset: page.nextOffset,
    hits: page.hits.map(({ id, score, payload }) => ({ id, score, payload, ...tileLinks(id, payload) })),
  };
}

/** The page as GeoJSON: each hit's footprint as a polygon (lon/lat, counter-clockwise), its rank across pages. */
export function toSearchGeoJson(page: SearchPage): SearchGeoJsonReply {
  return {
    type: 'FeatureCollection',
    model: page.model,
    nextOffset: page.nextOffset,
    features: page.hits.map(({ id, score, payload }, i) => {
      const [minLon, minLat, maxLon, maxLat] = payload.bbox;
      return {
        type: 'Feature',
        id,
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [minLon, minLat],
              [maxLon, minLat],
              [maxLon, maxLat],
              [minLon, maxLat],
              [minLon, minLat],
            ],
          ],
        },
        properties: {
          rank: page.offset + i + 1,
          score,
          layer: payload.layer,
          date: payload.date,
          z: payload.z,
          row: payload.row,
          col: payload.col,
          tms: payload.tms,
          model: payload.model,
          ...tileLinks(id, payload),
        },
      };
    }),
  };
}
