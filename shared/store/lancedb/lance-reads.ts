import type { TilePayload } from '../tile-payload.js';
import type { FacetCount, FacetField, ScrollPage, VectorPoint } from '../vector-store.js';
import { sqlString } from './filter-sql.js';
import { columns, payloadFromJson, vectorFromCell } from './lance-schema.js';
import { keeps, possibleSql, undecidedSql, type Selection } from './lance-selection.js';
import type { OpenTable } from './lance-tables.js';

/** ids per IN list: keeps each statement small however many ids a caller passes */
const ID_CHUNK = 1000;

const and = (...terms: Array<string | undefined>) => {
  const present = terms.filter((t): t is string => t !== undefined);
  return present.length === 0 ? undefined : present.map((t) => `(${t})`).join(' AND ');
};

export function idsSql(ids: readonly string[]): string {
  return `${columns.id} IN (${ids.map(sqlString).join(', ')})`;
}

/** The stored points among `ids`, each once, in the order of their first mention. */
export async function getPoints(t: OpenTable, ids: readonly string[]): Promise<VectorPoint[]> {
  const unique = [...new Set(ids)];
  const found = new Map<string, VectorPoint>();
  for (let i = 0; i < unique.length; i += ID_CHUNK) {
    const rows = (await t.table
      .query()
      .where(idsSql(unique.slice(i, i + ID_CHUNK)))
      .select([columns.id, columns.vector, columns.payload])
      .toArray()) as Array<Record<string, unknown>>;
    for (const r of rows) {
      const id = r[columns.id] as string;
      found.set(id, {
        id,
        vector: vectorFromCell(r[columns.vector]),
        payload: payloadFromJson(r[columns.payload] as string),
      });
    }
  }
  return unique.flatMap((id) => found.get(id) ?? []);
}

/** The rows between a selection's SQL bounds that the exact check keeps, as (id, payload). */
async function undecidedKept(t: OpenTable, selection: Selection): Promise<TilePayload[]> {
  const undecided = undecidedSql(selection);
  if (undecided === undefined) return [];
  const rows = (await t.table.query().where(undecided).select([columns.id, columns.payload]).toArray()) as Array<
    Record<string, unknown>
  >;
  return rows
    .filter((r) => keeps(selection, r[columns.id] as string, r[columns.payload] as string))
    .map((r) => payloadFromJson(r[columns.payload] as string));
}

export async function countPoints(t: OpenTable, selection: Selection): Promise<number> {
  if (selection.sql === undefined) return t.table.countRows();
  const certain = await t.table.countRows(selection.sql.certain);
  return certain + (await undecidedKept(t, selection)).length;
}

/**
 * One page ordered by id; one row more than the page is read to learn whether another page follows. Rows
 * the exact check drops (see FilterSql) are replaced by reading on.
 */
export async function scrollPoints(
  t: OpenTable,
  selection: Selection,
  after: string | undefined,
  limit: number,
  withVectors: boolean,
): Promise<ScrollPage> {
  const select = withVectors ? [columns.id, columns.payload, columns.vector] : [columns.id, columns.payload];
  const kept: Array<Record<string, unknown>> = [];
  let from = after;
  for (;;) {
    const predicate = and(
      from === undefined ? undefined : `${columns.id} > ${sqlString(from)}`,
      possibleSql(selection),
    );
    const want = limit + 1 - kept.length;
    let q = t.table.query().select(select).orderBy({ columnName: columns.id, ascending: true }).limit(want);
    if (predicate !== undefined) q = q.where(predicate);
    const rows = (await q.toArray()) as Array<Record<string, unknown>>;
    kept.push(...rows.filter((r) => keeps(selection, r[columns.id] as string, r[columns.payload] as string)));
    if (rows.length < want || kept.length > limit) break;
    from = rows[rows.length - 1][columns.id] as string;
  }
  const page = kept.slice(0, limit).map((r) => {
    const point: ScrollPage['points'][number] = {
      id: r[columns.id] as string,
      payload: payloadFromJson(r[columns.payload] as string),
    };
    if (withVectors) point.vector = vectorFromCell(r[columns.vector]);
    return point;
  });
  return kept.length > limit ? { points: page, next: page[page.length - 1].id } : { points: page };
}

const facetColumn: Record<FacetField, string> = {
  layer: columns.layer,
  model: columns.model,
  z: columns.z,
  date: columns.dateMs,
};

const dayOf = (ms: bigint | number) => new Date(Number(ms)).toISOString().slice(0, 10);

/**
 * Points per value, most first, then by value (z numerically, the others as strings); only the one column
 * is read. A date counts under its UTC day.
 */
export async function facetPoints(t: OpenTable, field: FacetField, selection: Selection): Promise<FacetCount[]> {
  const column = facetColumn[field];
  let q = t.table.query().select([column]);
  if (selection.sql !== undefined) q = q.where(selection.sql.certain);
  const counts = new Map<string, number>();
  const add = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  for await (const batch of q) {
    const values = batch.getChild(column);
    if (!values) continue;
    for (const value of values) add(field === 'date' ? dayOf(value as bigint) : String(value));
  }
  for (const payload of await undecidedKept(t, selection)) {
    add(field === 'date' ? dayOf(Date.parse(payload.date)) : String(payload[field]));
  }
  const byValue =
    field === 'z'
      ? (a: string, b: string) => Number(a) - Number(b)
      : (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || byValue(a.value, b.value));
}
