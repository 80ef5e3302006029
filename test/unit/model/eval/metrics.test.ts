import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppError } from '../../../../shared/errors/index.js';
import {
  collapseStd,
  precisionAtK,
  precisionAtKs,
  recallAtK,
  recallAtKs,
} from '../../../../shared/model/eval/index.js';

const v = (...xs: number[]) => Float32Array.from(xs);
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≉ ${b}`);
const rejectsWith = (fn: () => unknown, code: string) =>
  assert.throws(fn, (e: unknown) => e instanceof AppError && e.code === code && !e.retriable);

/** Reference: plain sort (valid when scores have no ties), candidates = other groups. */
function referencePrecision(vectors: Float32Array[], labels: string[], groups: string[], k: number): number {
  const unit = vectors.map((x) => {
    const n = Math.hypot(...x);
    return [...x].map((y) => y / n);
  });
  let sum = 0,
    queries = 0;
  for (let i = 0; i < vectors.length; i++) {
    const cands = unit
      .map((u, j) => ({ j, s: u.reduce((a, y, d) => a + y * unit[i][d], 0) }))
      .filter(({ j }) => j !== i && groups[j] !== groups[i]);
    if (!cands.some(({ j }) => labels[j] === labels[i])) continue;
    cands.sort((a, b) => b.s - a.s);
    sum += cands.slice(0, k).filter(({ j }) => labels[j] === labels[i]).length / k;
    queries++;
  }
  return sum / queries;
}

describe('precisionAtK', () => {
  // two classes on the unit circle: A near the x axis, B near the y axis
  const vectors = [v(1, 0), v(0.9, 0.1), v(0.8, 0.3), v(0, 1), v(0.2, 0.9), v(0.5, 0.5)];
  const labels = ['A', 'A', 'A', 'B', 'B', 'B'];

  it('counts same-class neighbours among the k nearest (known answer)', () => {
    const groups = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'];
    // every item is its own group: the nearest neighbour of each A is an A, of each B a B except (0.5,0.5)
    // nearest other item: A→A for all three, B→B for (0,1) and (0.2,0.9), but (0.5,0.5)→(0.8,0.3), an A
    close(precisionAtK(vectors, labels, groups, 1), 5 / 6);
    close(precisionAtK(vectors, labels, groups, 1), referencePrecision(vectors, labels, groups, 1));
    // query (1,0): order (0.9,0.1) A, (0.8,0.3) A, (0.5,0.5) B → p@2 = 1, p@3 = 2/3
    const r = precisionAtKs([vectors[0], ...vectors.slice(1)], labels, groups, [2, 3]);
    close(r.precisionAt[2], referencePrecision(vectors, labels, groups, 2));
    close(r.precisionAt[3], referencePrecision(vectors, labels, groups, 3));
    assert.equal(r.queries, 6);
    close(r.chance, 2 / 5);
  });

  it('excludes the query and items of its group, and skips queries with no eligible same-class item', () => {
    // A's three items share a source image: none of them may count as each other's hit
    const groups = ['imgA', 'imgA', 'imgA', 'b1', 'b2', 'b3'];
    const r = precisionAtKs(vectors, labels, groups, [1]);
    assert.equal(r.queries, 3, 'only the B items have same-class items in other groups');
    // B queries: (0,1) → nearest other-group: (0.2,0.9) B; (0.2,0.9) → (0,1) B; (0.5,0.5) → nearest is A (0.8,0.3)
    close(r.precisionAt[1], 2 / 3);
    // without the grouping the same vectors score differently: the group rule is what changed it
    close(
      precisionAtK(vectors, labels, ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'], 1),
      referencePrecision(vectors, labels, ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'], 1),
    );
  });

  it('is unchanged by rescaling vectors (it normalises them itself)', () => {
    const groups = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'];
    const scaled = vectors.map((x, i) => x.map((y) => y * (i + 1) * 7.5));
    close(precisionAtK(scaled, labels, groups, 3), precisionAtK(vectors, labels, groups, 3), 1e-12);
  });

  it('scores ties by their expectation, so a constant embedding gets exactly chance', () => {
    const n = 12;
    const same = Array.from({ length: n }, () => v(0.3, 0.3, 0.3));
    const lab = Array.from({ length: n }, (_, i) => (i < 4 ? 'x' : 'y'));
    const grp = Array.from({ length: n }, (_, i) => `g${i}`);
    const r = precisionAtKs(same, lab, grp, [1, 5, 10]);
    // query of class x: 3 positives among 11; class y: 7 among 11
    const chance = (4 * (3 / 11) + 8 * (7 / 11)) / 12;
    for (const k of [1, 5, 10]) close(r.precisionAt[k], chance, 1e-12);
    close(r.chance, chance, 1e-12);
  });

  it('matches a sort-based reference on random vectors', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 6, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 1e9 }),
        (n, k, seed) => {
          let s = seed;
          const rand = () => {
            s = (s * 1103515245 + 12345) % 2147483648;
            return s / 2147483648 - 0.5;
          };
          const vecs = Array.from({ length: n }, () => v(rand(), rand(), rand(), rand()));
          const lab = Array.from({ length: n }, (_, i) => String(i % 3));
          const grp = Array.from({ length: n }, (_, i) => String(Math.floor(i / 2)));
          close(precisionAtK(vecs, lab, grp, k), referencePrecision(vecs, lab, grp, k), 1e-9);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses bad input with clear errors', () => {
    const groups = ['a1', 'a2', 'a3', 'b1', 'b2', 'b3'];
    rejectsWith(() => precisionAtK(vectors, labels, groups, 6), 'EVAL_BAD_K'); // 5 candidates per query
    rejectsWith(() => precisionAtK(vectors, labels, groups, 0), 'EVAL_BAD_K');
    rejectsWith(() => precisionAtK(vectors, labels, groups, 1.5), 'EVAL_BAD_K');
    rejectsWith(() => precisionAtK(vectors, labels.slice(1), groups, 1), 'EVAL_BAD_INPUT');
    rejectsWith(() => precisionAtK([], [], [], 1), 'EVAL_EMPTY');
    rejectsWith(() => precisionAtK([v(1, 0), v(1, 0, 0)], ['a', 'a'], ['1', '2'], 1), 'EVAL_BAD_VECTOR');
    rejectsWith(() => precisionAtK([v(1, 0), v(Number.NaN, 0)], ['a', 'a'], ['1', '2'], 1), 'EVAL_BAD_VECTOR');
    // every class lives in a single group: nothing can be scored
    rejectsWith(() => precisionAtK(vectors, labels, ['A', 'A', 'A', 'B', 'B', 'B'], 1), 'EVAL_NO_QUERIES');
  });
});

describe('recallAtK', () => {
  const gallery = [v(1, 0, 0), v(0, 1, 0), v(0, 0, 1), v(1, 1, 0)];

  it('finds each query’s true match (known answers)', () => {
    const queries = [v(0.9, 0.1, 0), v(0, 0.2, 1), v(0.1, 1, 0)];
    // q0 → nearest (1,0,0); q1 → (0,0,1); q2 → (0,1,0)
    close(recallAtK(queries, gallery, [0, 2, 1], 1), 1);
    // q0's ranking: (1,0,0) .99, (1,1,0) .78, (0,1,0) .11, (0,0,1) 0 → truth (0,1,0) is third
    const r = recallAtKs(queries, gallery, [1, 2, 1], [1, 2, 3]);
    close(r.recallAt[1], 2 / 3);
    close(r.recallAt[2], 2 / 3);
    close(r.recallAt[3], 1);
    assert.deepEqual(r.chance, { 1: 0.25, 2: 0.5, 3: 0.75 });
    assert.equal(r.gallery, 4);
  });

  it('gives k / gallery for a constant embedding (ties count in expectation)', () => {
    const same = Array.from({ length: 8 }, () => v(1, 2));
    const r = recallAtKs(same.slice(0, 5), same, [0, 1, 2, 3, 4], [1, 3, 8]);
    close(r.recallAt[1], 1 / 8, 1e-12);
    close(r.recallAt[3], 3 / 8, 1e-12);
    close(r.recallAt[8], 1, 1e-12);
  });

  it('refuses bad input with clear errors', () => {
    const queries = [v(1, 0, 0)];
    rejectsWith(() => recallAtK(queries, gallery, [0], 5), 'EVAL_BAD_K');
    rejectsWith(() => recallAtK(queries, gallery, [4], 1), 'EVAL_BAD_INPUT');
    rejectsWith(() => recallAtK(queries, gallery, [0, 1], 1), 'EVAL_BAD_INPUT');
    rejectsWith(() => recallAtK([v(1, 0)], gallery, [0], 1), 'EVAL_BAD_VECTOR');
    rejectsWith(() => recallAtK(queries, [], [0], 1), 'EVAL_EMPTY');
  });
});

describe('collapseStd', () => {
  it('is 0 for a collapsed embedding, whatever the scale', () => {
    assert.equal(collapseStd([v(1, 2, 3), v(2, 4, 6), v(0.5, 1, 1.5)]), 0);
  });

  it('gives sqrt(d-1)/d for the standard basis (known answer)', () => {
    const d = 4;
    const basis = Array.from({ length: d }, (_, i) => {
      const x = new Float32Array(d);
      x[i] = 5;
      return x;
    });
    close(collapseStd(basis), Math.sqrt(d - 1) / d, 1e-7);
  });

  it('is close to 1/sqrt(d) for vectors spread over the sphere', () => {
    let s = 42;
    const gauss = () => {
      s = (s * 16807) % 2147483647;
      const u = s / 2147483647;
      s = (s * 16807) % 2147483647;
      const w = s / 2147483647;
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
    };
    const d = 64;
    const vecs = Array.from({ length: 2000 }, () => Float32Array.from({ length: d }, gauss));
    const ratio = collapseStd(vecs) * Math.sqrt(d);
    assert.ok(ratio > 0.95 && ratio < 1.02, `ratio ${ratio}`);
  });

  it('needs two vectors', () => {
    rejectsWith(() => collapseStd([v(1, 0)]), 'EVAL_EMPTY');
  });
});
