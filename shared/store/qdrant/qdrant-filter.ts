import { splitAntimeridian, type Bbox } from '../../tiles/index.js';
import { dateBoundToIso, validateFilter } from '../filter.js';
import type { Filter } from '../vector-store.js';
import { indexFields } from './qdrant-payload.js';

/**
 * The subset of Qdrant's filter JSON this translation emits (Qdrant "Filtering" docs). Conditions only ever
 * name indexed fields, and no clause list is ever empty (Qdrant's reading of an empty `should` is not
 * something to rely on; validateFilter refuses empty lists anyway).
 */
export interface QdrantFilter {
  must?: QdrantCondition[];
  should?: QdrantCondition[];
  must_not?: QdrantCondition[];
}

export type QdrantCondition =
  | QdrantFilter
  | { has_id: string[] }
  | { key: string; match: { any: string[] | number[] } }
  | { key: string; range: { gte?: number; lte?: number } }
  /** a datetime range: bounds are RFC 3339 instants */
  | { key: string; range: { gte?: string; lte?: string } }
  /** radius in metres */
  | { key: string; geo_radius: { center: { lon: number; lat: number }; radius: number } };

function range(key: string, bounds: { gte?: number; lte?: number }): QdrantCondition {
  return { key, range: bounds };
}

/**
 * "The footprint intersects the box", as bboxesIntersect (shared/tiles/bbox.ts) decides it for stored
 * footprints, which never cross the antimeridian (validatePoints): the latitudes overlap, and for some part
 * of the (split) box the longitudes overlap or meet at the seam, where 180 E and 180 W are one meridian.
 */
function bboxCondition(box: Bbox): QdrantCondition {
  const [, south, , north] = box;
  const lon: QdrantCondition[] = [];
  for (const [west, , east] of splitAntimeridian(box)) {
    lon.push({ must: [range(indexFields.west, { lte: east }), range(indexFields.east, { gte: west })] });
    // the seam: a part starting at -180 touches footprints ending at 180, a part ending at 180 those starting at -180
    if (west === -180) lon.push(range(indexFields.east, { gte: 180 }));
    if (east === 180) lon.push(range(indexFields.west, { lte: -180 }));
  }
  return {
    must: [range(indexFields.south, { lte: north }), range(indexFields.north, { gte: south }), { should: lon }],
  };
}

function condition(filter: Filter): QdrantCondition {
  if ('and' in filter) return { must: filter.and.map(condition) };
  if ('or' in filter) return { should: filter.or.map(condition) };
  if ('not' in filter) return { must_not: [condition(filter.not)] };
  if ('date' in filter) {
    const { gte, lte } = filter.date;
    // normalised to UTC with milliseconds, the form Qdrant's datetime index parses; day bounds are midnights
    const bounds: { gte?: string; lte?: string } = {};
    if (gte !== undefined) bounds.gte = dateBoundToIso(gte, 'gte');
    if (lte !== undefined) bounds.lte = dateBoundToIso(lte, 'lte');
    return { key: 'date', range: bounds };
  }
  if ('bbox' in filter) return bboxCondition(filter.bbox);
  if ('near' in filter) {
    const { lon, lat, radiusKm } = filter.near;
    return { key: 'center', geo_radius: { center: { lon, lat }, radius: radiusKm * 1000 } };
  }
  if ('layer' in filter) return { key: 'layer', match: { any: [...filter.layer] } };
  if ('z' in filter) return { key: 'z', match: { any: [...filter.z] } };
  if ('model' in filter) return { key: 'model', match: { any: [...filter.model] } };
  return { has_id: [...filter.id] };
}

/**
 * The Qdrant filter selecting exactly the points `matchesFilter` selects. Validates first (ValidationError
 * naming the path), so nothing malformed reaches the server.
 */
export function toQdrantFilter(filter: unknown): QdrantFilter {
  validateFilter(filter);
  const translated = condition(filter);
  if ('must' in translated || 'should' in translated || 'must_not' in translated) return translated as QdrantFilter;
  return { must: [translated] };
}
