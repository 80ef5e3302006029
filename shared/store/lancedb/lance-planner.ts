import type { SearchPlan } from './lance-search.js';
import type { OpenTable } from './lance-tables.js';
import { columns } from './lance-schema.js';
import { possibleSql, type Selection } from './lance-selection.js';

/** How long a process trusts what it last saw of a table's ANN index (another process may build one). */
const ANN_RECHECK_MS = 2000;

const VECTOR_INDEX_TYPES = /^(IVF|HNSW)/i;

/** The table's ANN index on the vector column, looked up again at most every ANN_RECHECK_MS. */
export async function annIndexOf(t: OpenTable, fresh = false): Promise<OpenTable['ann']> {
  const now = Date.now();
  if (!fresh && now - t.annCheckedAt < ANN_RECHECK_MS) return t.ann;
  const indices = await t.table.listIndices();
  const ann = indices.find((i) => i.columns.includes(columns.vector) && VECTOR_INDEX_TYPES.test(i.indexType));
  t.ann = ann ? { name: ann.name, indexedRows: ann.numIndexedRows ?? 0 } : undefined;
  t.annCheckedAt = now;
  return t.ann;
}

export interface PlannerOptions {
  exactBelowSelectivity: number;
  /** IVF partitions probed at least; more under a selective filter (see annParameters) */
  minNprobes: number;
  refineFactor: number;
}

/**
 * Under a filter an IVF index probes partitions chosen by the query alone, so the fewer rows a filter keeps,
 * the fewer of them lie in the probed partitions: probes grow as 1/sqrt(selectivity) (with the IVF_HNSW_SQ
 * index maintenance builds, one partition per million rows, that is every partition), and the candidates
 * are refined on the stored vectors so the distances returned are exact.
 */
export function annParameters(
  options: PlannerOptions,
  indexedRows: number,
  selectivity: number,
): { nprobes: number; refineFactor: number } {
  const partitions = Math.max(1, Math.round(Math.sqrt(indexedRows)));
  const wanted = Math.ceil(options.minNprobes / Math.sqrt(Math.max(selectivity, 1e-6)));
  return { nprobes: Math.max(1, Math.min(partitions, wanted)), refineFactor: options.refineFactor };
}

/** how long a counted selectivity is reused for the same predicate, and how many are kept */
const COUNT_TTL_MS = 10_000;
const COUNT_CACHE_SIZE = 256;

/**
 * Rows the predicate keeps. Counting is a scan of the filter's columns through the scalar indexes (ms at
 * 200k rows); an analyst paging or refining reuses one predicate, so a count is kept for COUNT_TTL_MS while
 * the table's size is unchanged: the planner needs an estimate, and a stale one only costs speed, never rows.
 */
async function countMatching(t: OpenTable, where: string, total: number): Promise<number> {
  const now = Date.now();
  const cached = t.counts.get(where);
  if (cached && cached.total === total && now - cached.at < COUNT_TTL_MS) return cached.matching;
  const matching = await t.table.countRows(where);
  if (t.counts.size >= COUNT_CACHE_SIZE) t.counts.delete(t.counts.keys().next().value as string);
  t.counts.set(where, { matching, total, at: now });
  return matching;
}

/**
 * Exact when there is no ANN index or the filter keeps at most `exactBelowSelectivity` of the rows
 * (estimated by counting them: a scan of the filter's columns through the scalar indexes), else ANN.
 */
export async function planSearch(
  t: OpenTable,
  selection: Selection,
  options: PlannerOptions,
): Promise<Omit<SearchPlan, 'candidates'>> {
  const where = possibleSql(selection);
  const ann = await annIndexOf(t);
  if (!ann) return { path: 'exact', reason: 'no-index', total: await t.table.countRows() };
  const total = await t.table.countRows();
  if (options.exactBelowSelectivity >= 1) {
    return { path: 'exact', reason: 'selective', total };
  }
  const matching = where === undefined ? total : await countMatching(t, where, total);
  const selectivity = total === 0 ? 0 : matching / total;
  if (selectivity <= options.exactBelowSelectivity) {
    return { path: 'exact', reason: 'selective', total, matching, selectivity };
  }
  return {
    path: 'ann',
    reason: 'broad',
    total,
    matching,
    selectivity,
    ...annParameters(options, ann.indexedRows, selectivity),
  };
}
