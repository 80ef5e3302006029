import type { AlertRule } from '../../shared/alerts/index.js';
import type { Filter } from '../../shared/store/index.js';

/** A rule as the scorer uses it: its filter translated once, for every tile it is checked against. */
export interface ScoredRule {
  rule: AlertRule;
  /** undefined: the rule watches every tile */
  filter: Filter | undefined;
}

/**
 * Every enabled rule's reference vectors under one model, stacked into one row-major matrix, so a batch of tiles
 * is scored against all rules in one product (tiles × matrixᵀ) instead of rule by rule.
 */
export interface RuleMatrix {
  model: string;
  /** the model's embedding dimension; 0 when no rule has references */
  dim: number;
  /** rowCount × dim unit vectors, row-major */
  rows: Float32Array;
  /** index into `rules` of each row's rule */
  rowRule: Uint32Array;
  /** the rules with at least one row, in the store's order */
  rules: ScoredRule[];
}

/** Stacks the rules' vectors (each rule: 1..32 unit vectors of one dimension; a rule with none is left out). */
export function buildRuleMatrix(
  model: string,
  entries: ReadonlyArray<ScoredRule & { vectors: readonly Float32Array[] }>,
): RuleMatrix {
  const used = entries.filter((e) => e.vectors.length > 0);
  const dim = used[0]?.vectors[0].length ?? 0;
  const rowCount = used.reduce((n, e) => n + e.vectors.length, 0);
  const rows = new Float32Array(rowCount * dim);
  const rowRule = new Uint32Array(rowCount);
  let row = 0;
  used.forEach((entry, k) => {
    for (const vector of entry.vectors) {
      if (vector.length !== dim)
        throw new RangeError(`rule ${entry.rule.id}: reference vector of dimension ${vector.length}, expected ${dim}`);
      rows.set(vector, row * dim);
      rowRule[row++] = k;
    }
  });
  return { model, dim, rows, rowRule, rules: used.map(({ rule, filter }) => ({ rule, filter })) };
}

/**
 * Cosine similarity of each tile to each rule: the maximum over the rule's reference rows (unit vectors, so the
 * dot product). Returns tiles.length × rules.length, row-major. Every tile must have the matrix's dimension.
 * Register-blocked: two reference rows × four tiles per pass (eight sums from six loads per step), which is
 * ~1.4× a one-row loop and ~3× scoring rule by rule in this JIT (measured in test/bench/alerter.bench.ts).
 */
export function scoreTiles(matrix: RuleMatrix, tiles: readonly Float32Array[]): Float64Array {
  const { dim: d, rows, rowRule } = matrix;
  const n = tiles.length;
  const k = matrix.rules.length;
  const x = new Float32Array(n * d);
  tiles.forEach((tile, t) => {
    if (tile.length !== d) throw new RangeError(`tile ${t} has dimension ${tile.length}, the rules ${d}`);
    x.set(tile, t * d);
  });
  const out = new Float64Array(n * k).fill(Number.NEGATIVE_INFINITY);
  const keep = (t: number, rule: number, score: number) => {
    const c = t * k + rule;
    if (score > out[c]) out[c] = score;
  };
  const rowCount = rowRule.length;
  const n4 = n - (n % 4);
  let r = 0;
  for (; r + 2 <= rowCount; r += 2) {
    const ra = r * d;
    const rb = ra + d;
    const ka = rowRule[r];
    const kb = rowRule[r + 1];
    for (let t = 0; t < n4; t += 4) {
      const o0 = t * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let b0 = 0;
      let b1 = 0;
      let b2 = 0;
      let b3 = 0;
      for (let j = 0; j < d; j++) {
        const wa = rows[ra + j];
        const wb = rows[rb + j];
        const x0 = x[o0 + j];
        const x1 = x[o1 + j];
        const x2 = x[o2 + j];
        const x3 = x[o3 + j];
        a0 += wa * x0;
        a1 += wa * x1;
        a2 += wa * x2;
        a3 += wa * x3;
        b0 += wb * x0;
        b1 += wb * x1;
        b2 += wb * x2;
        b3 += wb * x3;
      }
      keep(t, ka, a0);
      keep(t + 1, ka, a1);
      keep(t + 2, ka, a2);
      keep(t + 3, ka, a3);
      keep(t, kb, b0);
      keep(t + 1, kb, b1);
      keep(t + 2, kb, b2);
      keep(t + 3, kb, b3);
    }
    for (let t = n4; t < n; t++) {
      keep(t, ka, dotAt(rows, ra, x, t * d, d));
      keep(t, kb, dotAt(rows, rb, x, t * d, d));
    }
  }
  for (; r < rowCount; r++) for (let t = 0; t < n; t++) keep(t, rowRule[r], dotAt(rows, r * d, x, t * d, d));
  return out;
}

function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += a[ao + j] * b[bo + j];
  return s;
}
