import { matchesFilter } from '../filter.js';
import type { Filter } from '../vector-store.js';
import { filterToSql, type FilterSql } from './filter-sql.js';
import { payloadFromJson } from './lance-schema.js';

/**
 * A validated filter ready for LanceDB: its SQL bounds (see FilterSql) and the exact check that settles the
 * rows between them. Without a filter every row is selected.
 */
export interface Selection {
  filter?: Filter;
  sql?: FilterSql;
}

export function selectionOf(filter: Filter | undefined): Selection {
  return filter === undefined ? {} : { filter, sql: filterToSql(filter) };
}

/** the predicate to hand LanceDB: every row that may match */
export function possibleSql(selection: Selection): string | undefined {
  return selection.sql?.possible;
}

/** rows the SQL alone cannot decide (only under a `near` filter; in practice almost always none) */
export function undecidedSql(selection: Selection): string | undefined {
  const sql = selection.sql;
  return sql === undefined || sql.exact ? undefined : `(${sql.possible}) AND NOT (${sql.certain})`;
}

/** whether a row LanceDB returned under possibleSql is really selected */
export function keeps(selection: Selection, id: string, payloadJson: string): boolean {
  const { filter, sql } = selection;
  if (filter === undefined || sql === undefined || sql.exact) return true;
  return matchesFilter(filter, { id, payload: payloadFromJson(payloadJson) });
}
