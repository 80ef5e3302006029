import { columns, payloadFromJson, vectorFromCell } from './lance-schema.js';
import { keeps, possibleSql, type Selection } from './lance-selection.js';
import type { OpenTable } from './lance-tables.js';
import type { Hit } from '../vector-store.js';

/**
 * How one search runs. `exact`: every row the filter keeps is compared (LanceDB flat scan with the filter
 * applied first through the scalar indexes). `ann`: the vector index with the filter applied before the
 * search (prefilter) and the candidates refined on the stored vectors.
 */
export interface SearchPlan {
  path: 'exact' | 'ann';
  reason: 'no-index' | 'selective' | 'broad';
  total: number;
  /** rows the filter keeps (counted only when the choice depends on it) */
  matching?: number;
  selectivity?: number;
  nprobes?: number;
  refineFactor?: number;
  /** candidates LanceDB returned before the exact re-rank (after any widening for ties) */
  candidates: number;
}

/** The cosine similarity in float64 of a query (precomputed norm) and a stored vector. */
export function cosine(query: Float32Array, queryNorm: number, stored: Float32Array): number {
  let dot = 0;
  let norm = 0;
  for (let d = 0; d < query.length; d++) {
    dot += query[d] * stored[d];
    norm += stored[d] * stored[d];
  }
  return dot / (queryNorm * Math.sqrt(norm));
}

export function vectorNorm(vector: Float32Array): number {
  let sum = 0;
  for (let d = 0; d < vector.length; d++) sum += vector[d] * vector[d];
  return Math.sqrt(sum);
}

interface Candidate {
  id: string;
  distance: number;
  vector: Float32Array;
  payload: string;
}

async function fetchCandidates(
  t: OpenTable,
  query: Float32Array,
  fetch: number,
  selection: Selection,
  plan: Pick<SearchPlan, 'path' | 'nprobes' | 'refineFactor'>,
): Promise<{ returned: number; kept: Candidate[] }> {
  const where = possibleSql(selection);
  let q = t.table
    .vectorSearch(query)
    .column(columns.vector)
    .distanceType('cosine')
    .select([columns.id, columns.vector, columns.payload, '_distance'])
    .limit(fetch);
  if (where !== undefined) q = q.where(where);
  if (plan.path === 'exact') q = q.bypassVectorIndex();
  else q = q.nprobes(plan.nprobes ?? 20).refineFactor(plan.refineFactor ?? 1);
  const rows = (await q.toArray()) as Array<Record<string, unknown>>;
  const kept = rows
    .filter((r) => keeps(selection, r[columns.id] as string, r[columns.payload] as string))
    .map((r) => ({
      id: r[columns.id] as string,
      distance: r._distance as number,
      vector: vectorFromCell(r[columns.vector]),
      payload: r[columns.payload] as string,
    }));
  return { returned: rows.length, kept };
}

/** distances closer than this (LanceDB computes them in float32) may reorder under the float64 re-rank */
const TIE_EPSILON = 1e-5;

/**
 * Top `limit` hits, best first, ties by id ascending, scored in float64 on the stored vectors. LanceDB's
 * float32 distances (and its arbitrary order among equal ones) decide only which rows are candidates: it is
 * asked for more than `limit`, and again for twice as many while the last candidate is within TIE_EPSILON of
 * the limit-th one, so a tie or near-tie across the cut is never decided by LanceDB.
 */
export async function knnSearch(
  t: OpenTable,
  query: Float32Array,
  limit: number,
  selection: Selection,
  plan: Omit<SearchPlan, 'candidates'>,
): Promise<{ hits: Hit[]; plan: SearchPlan }> {
  let fetch = limit + Math.max(8, Math.ceil(limit / 4));
  let candidates: Candidate[];
  for (;;) {
    const { returned, kept } = await fetchCandidates(t, query, fetch, selection, plan);
    candidates = kept;
    if (returned < fetch) break; // every selected row is a candidate
    // rows the exact check dropped leave fewer than limit: read further
    if (candidates.length > limit) {
      const cut = candidates[limit - 1].distance;
      if (candidates[candidates.length - 1].distance - cut > TIE_EPSILON) break;
    }
    fetch *= 2;
  }
  const queryNorm = vectorNorm(query);
  const scored = candidates.map((c) => ({ c, score: cosine(query, queryNorm, c.vector) }));
  scored.sort((a, b) => b.score - a.score || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0));
  const hits = scored.slice(0, limit).map(({ c, score }) => ({ id: c.id, score, payload: payloadFromJson(c.payload) }));
  return { hits, plan: { ...plan, candidates: candidates.length } };
}
