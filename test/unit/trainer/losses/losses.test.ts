import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { negativeCosine, ntXentLoss, simSiamLoss } from '../../../../services/trainer/losses/index.js';
import { initBackend } from '../../../../services/trainer/train/index.js';

const t2 = (rows: number[][]) => tf.tensor2d(rows);

/** NT-Xent written out in float64, independently of tfjs */
function referenceNtXent(a: number[][], b: number[][], tau: number): number {
  const unit = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const z = [...a, ...b].map(unit);
  const n = a.length;
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const positive = i < n ? i + n : i - n;
    let denominator = 0;
    for (let j = 0; j < 2 * n; j++)
      if (j !== i) denominator += Math.exp(z[i].reduce((s, x, k) => s + x * z[j][k], 0) / tau);
    total += -Math.log(Math.exp(z[i].reduce((s, x, k) => s + x * z[positive][k], 0) / tau) / denominator);
  }
  return total / (2 * n);
}

describe('losses', () => {
  before(async () => {
    await initBackend('wasm');
  });

  describe('NT-Xent', () => {
    it('equals log(1 + 2/e^(1/τ)) for two orthogonal pairs with identical views', () => {
      for (const tau of [1, 0.5, 0.1]) {
        const loss = ntXentLoss(
          t2([
            [1, 0],
            [0, 1],
          ]),
          t2([
            [1, 0],
            [0, 1],
          ]),
          tau,
        ).dataSync()[0];
        const expected = Math.log(1 + 2 * Math.exp(-1 / tau));
        assert.ok(Math.abs(loss - expected) < 1e-6 * Math.max(1, expected) + 1e-7, `τ=${tau}: ${loss} vs ${expected}`);
      }
    });

    it('equals log(3) when all projections are equal (no information)', () => {
      const loss = ntXentLoss(
        t2([
          [1, 2],
          [1, 2],
        ]),
        t2([
          [2, 4],
          [3, 6],
        ]),
        0.1,
      ).dataSync()[0];
      assert.ok(Math.abs(loss - Math.log(3)) < 1e-5, `${loss}`);
    });

    it("matches a float64 reference on arbitrary inputs and ignores the projections' scale", () => {
      const a = [
        [0.3, -1.2, 0.5, 2],
        [1, 1, -0.4, 0.1],
        [-0.7, 0.2, 0.9, -1.5],
      ];
      const b = [
        [0.1, -1, 0.7, 1.6],
        [0.8, 1.3, -0.2, -0.3],
        [2, 0.5, -1, 0.4],
      ];
      const loss = ntXentLoss(t2(a), t2(b), 0.1).dataSync()[0];
      assert.ok(Math.abs(loss - referenceNtXent(a, b, 0.1)) < 1e-4, `${loss} vs ${referenceNtXent(a, b, 0.1)}`);
      const scaled = ntXentLoss(t2(a.map((r) => r.map((x) => x * 7))), t2(b), 0.1).dataSync()[0];
      assert.ok(Math.abs(scaled - loss) < 1e-4);
      assert.equal(ntXentLoss(t2(a), t2(b)).dataSync()[0].toFixed(4), loss.toFixed(4), 'default temperature is 0.1');
    });

    it('rejects bad temperature, mismatched shapes and a single pair', () => {
      assert.throws(
        () =>
          ntXentLoss(
            t2([
              [1, 0],
              [0, 1],
            ]),
            t2([
              [1, 0],
              [0, 1],
            ]),
            0,
          ),
        /temperature/,
      );
      assert.throws(
        () =>
          ntXentLoss(
            t2([
              [1, 0],
              [0, 1],
            ]),
            t2([
              [1, 0, 0],
              [0, 1, 0],
            ]),
            0.1,
          ),
        /same shape/,
      );
      assert.throws(() => ntXentLoss(t2([[1, 0]]), t2([[1, 0]]), 0.1), /at least 2/);
    });
  });

  describe('SimSiam', () => {
    it('is −1 for aligned, +1 for opposite and 0 for orthogonal predictions', () => {
      const z = t2([
        [1, 2, 3],
        [0, -1, 1],
      ]);
      assert.ok(
        Math.abs(
          negativeCosine(
            t2([
              [2, 4, 6],
              [0, -3, 3],
            ]),
            z,
          ).dataSync()[0] + 1,
        ) < 1e-6,
      );
      assert.ok(
        Math.abs(
          negativeCosine(
            t2([
              [-1, -2, -3],
              [0, 1, -1],
            ]),
            z,
          ).dataSync()[0] - 1,
        ) < 1e-6,
      );
      assert.ok(
        Math.abs(
          negativeCosine(
            t2([
              [3, 0, -1],
              [1, 1, 1],
            ]),
            z,
          ).dataSync()[0],
        ) < 1e-6,
      );
    });

    it('is the symmetric mean of two negative cosines (hand-computed)', () => {
      // pa·zb: cos([1,0],[1,1]) = 1/√2 ; pb·za: cos([0,1],[0,-1]) = −1 → ½(−1/√2) + ½(1) = 0.1464…
      const loss = simSiamLoss(t2([[1, 0]]), t2([[0, 1]]), t2([[0, -1]]), t2([[1, 1]])).dataSync()[0];
      assert.ok(Math.abs(loss - (0.5 * -Math.SQRT1_2 + 0.5)) < 1e-6, `${loss}`);
    });

    it('stops the gradient at z but not at p', () => {
      const pa = t2([[1, 0.5]]);
      const pb = t2([[0.2, 1]]);
      const za = t2([[0.3, -1]]);
      const zb = t2([[1, 1]]);
      const [dpa, dpb, dza, dzb] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) =>
        simSiamLoss(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor2D),
      )([pa, pb, za, zb]);
      assert.deepEqual(Array.from(dza.dataSync()), [0, 0]);
      assert.deepEqual(Array.from(dzb.dataSync()), [0, 0]);
      // d/dp of −½·cos(p, z) at p = [1, .5], z = [1, 1]: −½·(z/(|p||z|) − (p·z) p/(|p|³|z|))
      const p = [1, 0.5];
      const z = [1, 1];
      const np = Math.hypot(...p);
      const nz = Math.hypot(...z);
      const dot = p[0] * z[0] + p[1] * z[1];
      const expected = p.map((_, k) => -0.5 * (z[k] / (np * nz) - (dot * p[k]) / (np ** 3 * nz)));
      Array.from(dpa.dataSync()).forEach((v, k) =>
        assert.ok(Math.abs(v - expected[k]) < 1e-5, `dpa[${k}] ${v} vs ${expected[k]}`),
      );
      assert.ok(Math.abs(dpb.dataSync()[0]) > 1e-3);
    });

    it('rejects mismatched shapes', () => {
      assert.throws(() => negativeCosine(t2([[1, 0]]), t2([[1, 0, 0]])), /same shape/);
    });
  });
});
