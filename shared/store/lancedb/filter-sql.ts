import { splitAntimeridian, type Bbox } from '../../tiles/index.js';
import { EARTH_RADIUS_KM, dateBoundToMs } from '../filter.js';
import type { Filter } from '../vector-store.js';
import { columns } from './lance-schema.js';

/**
 * A validated Filter as DataFusion SQL over the flat columns (lance-schema.ts), selecting the rows
 * `matchesFilter` selects: the contract suite and test/unit/store/filter-sql.test.ts check it against that.
 */

/** A SQL string literal: standard SQL has one escape, a doubled quote (backslashes are literal in Lance's dialect). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A float literal that parses back to exactly this double (JS prints the shortest round-trip form). */
function sqlNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = String(value);
  // an integer-looking literal would be typed Int64 and change the arithmetic; force a float literal
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

const inList = (column: string, values: readonly string[]) => `${column} IN (${values.join(', ')})`;

function bboxSql(box: Bbox): string {
  const [, minLat, , maxLat] = box;
  // as bboxesIntersect: the footprint's own west..east never crosses the seam (tiles do not), the query's may
  const lat = `${columns.minLat} <= ${sqlNumber(maxLat)} AND ${columns.maxLat} >= ${sqlNumber(minLat)}`;
  const parts = splitAntimeridian(box).map(([west, , east]) => {
    const terms = [`(${columns.minLon} <= ${sqlNumber(east)} AND ${columns.maxLon} >= ${sqlNumber(west)})`];
    // 180 E and 180 W are one meridian: a footprint ending at 180 touches a part starting at -180 and vice versa
    if (west === -180) terms.push(`${columns.maxLon} = 180.0`);
    if (east === 180) terms.push(`${columns.minLon} = -180.0`);
    return terms.join(' OR ');
  });
  return `(${lat} AND (${parts.join(' OR ')}))`;
}

/** The operations of haversineKm(center, point) in the same order (they still round apart: see FilterSql). */
function nearSql(near: { lon: number; lat: number; radiusKm: number }): string {
  const rad = (degrees: string) => `((${degrees}) * ${sqlNumber(Math.PI)} / 180.0)`;
  const halfLat = `sin(${rad(`${sqlNumber(near.lat)} - ${columns.centerLat}`)} / 2.0)`;
  const halfLon = `sin(${rad(`${sqlNumber(near.lon)} - ${columns.centerLon}`)} / 2.0)`;
  const h = `${halfLat} * ${halfLat} + cos(${rad(columns.centerLat)}) * cos(${rad(sqlNumber(near.lat))}) * ${halfLon} * ${halfLon}`;
  const distance = `2.0 * ${sqlNumber(EARTH_RADIUS_KM)} * asin(least(1.0, sqrt(${h})))`;
  // A great circle is never shorter than its north-south separation: this latitude band keeps every match
  // (with a margin for rounding) and lets the centre_lat index skip most rows before the trigonometry runs.
  const bandDegrees = ((near.radiusKm / EARTH_RADIUS_KM) * 180) / Math.PI;
  const margin = bandDegrees * 1e-9 + 1e-9;
  const low = near.lat - bandDegrees - margin;
  const high = near.lat + bandDegrees + margin;
  const band = `${columns.centerLat} >= ${sqlNumber(low)} AND ${columns.centerLat} <= ${sqlNumber(high)}`;
  return `(${band} AND ${distance} <= ${sqlNumber(near.radiusKm)})`;
}

/**
 * A filter as SQL. Every leaf translates exactly except `near`: V8 and the Rust core LanceDB links compute
 * sin/cos/asin with different libm code, a last-bit difference for a few percent of inputs, so a centre lying
 * within rounding of the radius could go either way. `near` therefore gets two predicates: `certain` (radius
 * shrunk by NEAR_SLACK) and `possible` (widened by it); NOT swaps them. Rows in `possible` but not `certain`
 * are decided by matchesFilter on their payload. Without `near`, certain = possible and exact is true.
 */
export interface FilterSql {
  certain: string;
  possible: string;
  exact: boolean;
}

/** relative slack around a `near` radius, far above the last-bit differences of two libm implementations */
const NEAR_SLACK = 1e-9;

export function filterToSql(filter: Filter): FilterSql {
  if ('and' in filter || 'or' in filter) {
    const parts = ('and' in filter ? filter.and : filter.or).map(filterToSql);
    const op = 'and' in filter ? ' AND ' : ' OR ';
    return {
      certain: `(${parts.map((p) => p.certain).join(op)})`,
      possible: `(${parts.map((p) => p.possible).join(op)})`,
      exact: parts.every((p) => p.exact),
    };
  }
  if ('not' in filter) {
    const inner = filterToSql(filter.not);
    return { certain: `(NOT ${inner.possible})`, possible: `(NOT ${inner.certain})`, exact: inner.exact };
  }
  if ('near' in filter) {
    const { radiusKm } = filter.near;
    return {
      certain: nearSql({ ...filter.near, radiusKm: radiusKm * (1 - NEAR_SLACK) }),
      possible: nearSql({ ...filter.near, radiusKm: radiusKm * (1 + NEAR_SLACK) + 1e-12 }),
      exact: false,
    };
  }
  const sql = leafSql(filter);
  return { certain: sql, possible: sql, exact: true };
}

function leafSql(filter: Filter): string {
  if ('date' in filter) {
    const { gte, lte } = filter.date;
    const terms: string[] = [];
    if (gte !== undefined) terms.push(`${columns.dateMs} >= ${dateBoundToMs(gte, 'gte')}`);
    if (lte !== undefined) terms.push(`${columns.dateMs} <= ${dateBoundToMs(lte, 'lte')}`);
    return `(${terms.join(' AND ')})`;
  }
  if ('bbox' in filter) return bboxSql(filter.bbox);
  if ('layer' in filter) return inList(columns.layer, filter.layer.map(sqlString));
  if ('model' in filter) return inList(columns.model, filter.model.map(sqlString));
  if ('z' in filter) return inList(columns.z, filter.z.map(String));
  if ('id' in filter) return inList(columns.id, filter.id.map(sqlString));
  throw new RangeError(`not a leaf filter: ${Object.keys(filter).join()}`);
}
