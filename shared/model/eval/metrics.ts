/**
 * Retrieval metrics over embeddings: exact brute-force cosine neighbours (a few thousand vectors at most, so
 * an index would only add error). Every function L2-normalises its input itself, because an embedding
 * function is not trusted to have done it (histograms, raw backbone features).
 *
 * Ties are scored by their expectation under a random tie-break (McSherry & Najork, 2008): when several
 * candidates share the k-th best score, each of them fills the remaining top-k slots with equal probability.
 * Without this a constant embedding would be ranked by input order, and because datasets list items class by
 * class (and crops place by place), index order alone would look like a good model.
 */
import { ValidationError } from '../../errors/index.js';
import { evalErrorCodes } from './eval-errors.js';

/** The unit vector of `v`; a zero vector stays zero (it ties with everything, which is what it deserves). */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const out = new Float32Array(v.length);
  if (sum === 0) return out;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * inv;
  return out;
}

/** Normalises every vector after checking they share one dimension and hold finite numbers only. */
export function normalizeAll(vectors: readonly Float32Array[], what = 'vectors'): Float32Array[] {
  if (vectors.length === 0) throw new ValidationError(`${what}: no vectors`, { code: evalErrorCodes.empty });
  const dim = vectors[0].length;
  if (dim === 0) throw new ValidationError(`${what}: vectors have dimension 0`, { code: evalErrorCodes.badVector });
  return vectors.map((v, i) => {
    if (v.length !== dim)
      throw new ValidationError(`${what}[${i}] has dimension ${v.length}, expected ${dim}`, {
        code: evalErrorCodes.badVector,
      });
    for (let j = 0; j < v.length; j++) {
      if (!Number.isFinite(v[j]))
        throw new ValidationError(`${what}[${i}] holds a non-finite value at ${j}`, { code: evalErrorCodes.badVector });
    }
    return l2Normalize(v);
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function checkK(k: number, available: number, what: string): void {
  if (!Number.isInteger(k) || k < 1)
    throw new ValidationError(`k must be a positive integer, got ${k}`, { code: evalErrorCodes.badK });
  if (k > available) {
    throw new ValidationError(`k=${k} is larger than the ${available} candidates ${what}`, {
      code: evalErrorCodes.badK,
    });
  }
}

/**
 * Expected number of relevant items among the top k eligible candidates, ties at the k-th score broken at
 * random. `scores[j]` is candidate j's similarity; candidates with `eligible[j] === 0` are not ranked.
 */
export function expectedHitsAtK(scores: Float64Array, eligible: Uint8Array, relevant: Uint8Array, k: number): number {
  // top-k buffer, descending; k is small (≤ a few dozen), so insertion beats a heap
  const top = new Float64Array(k).fill(-Infinity);
  let count = 0;
  for (let j = 0; j < scores.length; j++) {
    if (!eligible[j]) continue;
    count++;
    const s = scores[j];
    if (s <= top[k - 1]) continue;
    let p = k - 1;
    while (p > 0 && top[p - 1] < s) {
      top[p] = top[p - 1];
      p--;
    }
    top[p] = s;
  }
  if (count < k)
    throw new ValidationError(`k=${k} is larger than the ${count} eligible candidates`, { code: evalErrorCodes.badK });
  const threshold = top[k - 1];
  let above = 0,
    tied = 0,
    relAbove = 0,
    relTied = 0;
  for (let j = 0; j < scores.length; j++) {
    if (!eligible[j]) continue;
    if (scores[j] > threshold) {
      above++;
      if (relevant[j]) relAbove++;
    } else if (scores[j] === threshold) {
      tied++;
      if (relevant[j]) relTied++;
    }
  }
  return relAbove + ((k - above) * relTied) / tied;
}

export interface PrecisionResult {
  /** k → mean precision@k over the counted queries */
  precisionAt: Record<number, number>;
  /** queries that have at least one eligible same-class item (the others are not counted) */
  queries: number;
  /** expected precision@k of a random ranking (any k): mean over counted queries of positives / eligible */
  chance: number;
}

/**
 * Precision@k of same-class neighbours for several k at once (one similarity pass).
 *
 * For query i the candidates are all items except i itself and except items of i's group (crops of one
 * source image are near-duplicates; counting them as hits would measure crop overlap, not the class).
 * A query counts only if at least one candidate shares its class; a class with a single source image has
 * none, so its items serve as distractors only. precision@k = expected same-class items in the top k / k,
 * averaged over counted queries. Throws when no query counts or k exceeds a counted query's candidates.
 */
export function precisionAtKs(
  vectors: readonly Float32Array[],
  labels: readonly string[],
  groups: readonly string[],
  ks: readonly number[],
): PrecisionResult {
  const n = vectors.length;
  if (labels.length !== n || groups.length !== n) {
    throw new ValidationError(`precision@k: ${n} vectors, ${labels.length} labels, ${groups.length} groups`, {
      code: evalErrorCodes.badInput,
    });
  }
  if (ks.length === 0) throw new ValidationError('precision@k: no k given', { code: evalErrorCodes.badK });
  const unit = normalizeAll(vectors);
  const scores = new Float64Array(n);
  const eligible = new Uint8Array(n);
  const relevant = new Uint8Array(n);
  const sums = ks.map(() => 0);
  let queries = 0;
  let chanceSum = 0;
  for (let i = 0; i < n; i++) {
    let candidates = 0,
      positives = 0;
    for (let j = 0; j < n; j++) {
      const ok = j !== i && groups[j] !== groups[i];
      eligible[j] = ok ? 1 : 0;
      relevant[j] = ok && labels[j] === labels[i] ? 1 : 0;
      if (ok) {
        candidates++;
        if (relevant[j]) positives++;
      }
    }
    if (positives === 0) continue;
    ks.forEach((k) => checkK(k, candidates, `of query ${i} (other groups)`));
    for (let j = 0; j < n; j++) scores[j] = eligible[j] ? dot(unit[i], unit[j]) : 0;
    ks.forEach((k, m) => {
      sums[m] += expectedHitsAtK(scores, eligible, relevant, k) / k;
    });
    queries++;
    chanceSum += positives / candidates;
  }
  if (queries === 0) {
    throw new ValidationError(
      'precision@k: no class has items from two different groups (source images), so no query has an eligible same-class neighbour',
      { code: evalErrorCodes.noQueries },
    );
  }
  const precisionAt: Record<number, number> = {};
  ks.forEach((k, m) => {
    precisionAt[k] = sums[m] / queries;
  });
  return { precisionAt, queries, chance: chanceSum / queries };
}

/** Precision@k of same-class neighbours (see `precisionAtKs` for the exact definition). */
export function precisionAtK(
  vectors: readonly Float32Array[],
  labels: readonly string[],
  groups: readonly string[],
  k: number,
): number {
  return precisionAtKs(vectors, labels, groups, [k]).precisionAt[k];
}

export interface RecallResult {
  /** k → fraction of queries whose true match is among the k nearest gallery items */
  recallAt: Record<number, number>;
  queries: number;
  gallery: number;
  /** k → recall@k of a random ranking: k / gallery size */
  chance: Record<number, number>;
}

/**
 * Recall@k of a known match: query q's single correct gallery item is `truthIndex[q]`; every other gallery
 * item is a distractor. Several k at once (one similarity pass).
 */
export function recallAtKs(
  queries: readonly Float32Array[],
  gallery: readonly Float32Array[],
  truthIndex: readonly number[],
  ks: readonly number[],
): RecallResult {
  if (truthIndex.length !== queries.length) {
    throw new ValidationError(`recall@k: ${queries.length} queries but ${truthIndex.length} truth indices`, {
      code: evalErrorCodes.badInput,
    });
  }
  if (ks.length === 0) throw new ValidationError('recall@k: no k given', { code: evalErrorCodes.badK });
  const q = normalizeAll(queries, 'queries');
  const g = normalizeAll(gallery, 'gallery');
  if (q[0].length !== g[0].length) {
    throw new ValidationError(`recall@k: queries have dimension ${q[0].length}, gallery ${g[0].length}`, {
      code: evalErrorCodes.badVector,
    });
  }
  ks.forEach((k) => checkK(k, g.length, 'in the gallery'));
  truthIndex.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= g.length) {
      throw new ValidationError(`recall@k: truthIndex[${i}]=${t} is outside the gallery (size ${g.length})`, {
        code: evalErrorCodes.badInput,
      });
    }
  });
  const scores = new Float64Array(g.length);
  const eligible = new Uint8Array(g.length).fill(1);
  const relevant = new Uint8Array(g.length);
  const sums = ks.map(() => 0);
  for (let i = 0; i < q.length; i++) {
    for (let j = 0; j < g.length; j++) scores[j] = dot(q[i], g[j]);
    relevant[truthIndex[i]] = 1;
    ks.forEach((k, m) => {
      sums[m] += expectedHitsAtK(scores, eligible, relevant, k);
    });
    relevant[truthIndex[i]] = 0;
  }
  const recallAt: Record<number, number> = {};
  const chance: Record<number, number> = {};
  ks.forEach((k, m) => {
    recallAt[k] = sums[m] / q.length;
    chance[k] = k / g.length;
  });
  return { recallAt, queries: q.length, gallery: g.length, chance };
}

/** Recall@k of a known match (see `recallAtKs`). */
export function recallAtK(
  queries: readonly Float32Array[],
  gallery: readonly Float32Array[],
  truthIndex: readonly number[],
  k: number,
): number {
  return recallAtKs(queries, gallery, truthIndex, [k]).recallAt[k];
}

/**
 * The collapse metric of SimSiam (Chen & He, 2021): per-dimension standard deviation of the L2-normalised
 * embeddings, averaged over dimensions. Unit vectors spread evenly over the sphere give ≈ 1/sqrt(d); a
 * collapsed encoder (every input → one vector) gives 0.
 */
export function collapseStd(vectors: readonly Float32Array[]): number {
  if (vectors.length < 2)
    throw new ValidationError(`collapse std needs at least 2 vectors, got ${vectors.length}`, {
      code: evalErrorCodes.empty,
    });
  const unit = normalizeAll(vectors);
  const d = unit[0].length;
  const packed = new Float32Array(unit.length * d);
  unit.forEach((v, i) => packed.set(v, i * d));
  return collapseStdPacked(packed, unit.length);
}

/**
 * The same metric over `n` already L2-normalised embeddings packed row after row (what a training step
 * has at hand): the per-dimension standard deviation over the batch, averaged over dimensions. Two-pass
 * in float64, so nearly identical vectors do not round to a spurious spread. 0 when n < 2.
 */
export function collapseStdPacked(embeddings: Float32Array, n: number): number {
  if (n < 2 || embeddings.length % n !== 0) return 0;
  const d = embeddings.length / n;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += embeddings[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const sq = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const x = embeddings[i * d + j] - mean[j];
      sq[j] += x * x;
    }
  }
  let total = 0;
  for (let j = 0; j < d; j++) total += Math.sqrt(sq[j] / n);
  return total / d;
}
