/** Exact answers and the statistics the store benchmark reports. */
import { passes, type BenchFilter } from './filters.js';
import type { Dataset } from './dataset.js';

export interface Truth {
  ids: string[];
  scores: number[];
}

/** Exact top-k by cosine over points [from, to) that pass, best first, ties by id (the port's order). */
export function bruteForce(
  ds: Dataset,
  query: Float32Array,
  f: BenchFilter,
  from: number,
  to: number,
  k: number,
): Truth {
  const { dim, vectors, invNorms, ids } = ds;
  if (dim % 4 !== 0) throw new Error(`bruteForce sums four lanes: dimension ${dim} is not a multiple of 4`);
  let qNorm = 0;
  for (let d = 0; d < dim; d++) qNorm += query[d] * query[d];
  const qInv = 1 / Math.sqrt(qNorm);
  const topIdx: number[] = [];
  const topScore: number[] = [];
  const unfiltered = f.filter === undefined;
  for (let i = from; i < to; i++) {
    if (!unfiltered && !passes(ds, f, i)) continue;
    const base = i * dim;
    // four partial sums: several times faster in V8 than one dependent chain
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    for (let d = 0; d < dim; d += 4) {
      d0 += query[d] * vectors[base + d];
      d1 += query[d + 1] * vectors[base + d + 1];
      d2 += query[d + 2] * vectors[base + d + 2];
      d3 += query[d + 3] * vectors[base + d + 3];
    }
    const dot = d0 + d1 + d2 + d3;
    const score = dot * qInv * invNorms[i];
    const full = topIdx.length === k;
    const last = topScore.length - 1;
    if (full && (score < topScore[last] || (score === topScore[last] && ids[i] > ids[topIdx[last]]))) continue;
    let at = full ? last : topIdx.length;
    while (at > 0 && (topScore[at - 1] < score || (topScore[at - 1] === score && ids[topIdx[at - 1]] > ids[i]))) at--;
    topIdx.splice(at, 0, i);
    topScore.splice(at, 0, score);
    if (topIdx.length > k) {
      topIdx.pop();
      topScore.pop();
    }
  }
  return { ids: topIdx.map((i) => ids[i]), scores: topScore };
}

/** The exact top-k of the union of two candidate lists (a snapshot = base points + points ingested since). */
export function mergeTruth(a: Truth, b: Truth, k: number): Truth {
  const all = a.ids
    .map((id, i) => ({ id, score: a.scores[i] }))
    .concat(b.ids.map((id, i) => ({ id, score: b.scores[i] })));
  all.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  const top = all.slice(0, k);
  return { ids: top.map((t) => t.id), scores: top.map((t) => t.score) };
}

/** |found ∩ truth| / |truth| (1 when the filter keeps no point and nothing is found). */
export function recallAt(found: readonly string[], truth: Truth): number {
  if (truth.ids.length === 0) return found.length === 0 ? 1 : 0;
  const want = new Set(truth.ids);
  return found.filter((id) => want.has(id)).length / truth.ids.length;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

export const mean = (values: readonly number[]): number =>
  values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
