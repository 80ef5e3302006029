/** The JS MaxPoolGrad registered for wasm against the cpu backend, including ties (ReLU zeros) and padding. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../../shared/random/index.js';
import { initBackend } from '../../../../services/trainer/train/index.js';

type Pad = number | 'same' | 'valid';
const cases: { shape: [number, number, number, number]; k: number; s: number; pad: Pad; ties: boolean }[] = [
  { shape: [2, 8, 8, 3], k: 3, s: 2, pad: 1, ties: false },
  { shape: [2, 9, 7, 4], k: 3, s: 2, pad: 1, ties: true },
  { shape: [1, 6, 6, 2], k: 2, s: 2, pad: 'valid', ties: false },
  { shape: [2, 5, 5, 3], k: 3, s: 1, pad: 'same', ties: true },
];

function grad(c: (typeof cases)[number], seed: number): Float32Array {
  return tf.tidy(() => {
    const rng = createRng(seed);
    const size = c.shape.reduce((a, b) => a * b, 1);
    // ties: ReLU-like data, many exact zeros
    const x = tf.tensor4d(
      Float32Array.from({ length: size }, () => (c.ties ? Math.max(0, rng.normal()) : rng.normal())),
      c.shape,
    );
    const y = tf.maxPool(x, c.k, c.s, c.pad);
    const r = tf.tensor(
      Float32Array.from({ length: y.size }, () => rng.normal()),
      y.shape,
    );
    return tf
      .grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.k, c.s, c.pad), r)))(x)
      .dataSync() as Float32Array;
  });
}

describe('MaxPoolGrad (wasm, JS kernel)', () => {
  before(async () => {
    await initBackend('wasm');
  });
  for (const [i, c] of cases.entries()) {
    it(`matches the cpu backend: ${c.k}x${c.k}/${c.s} pad ${c.pad} on ${c.shape}${c.ties ? ' with ties' : ''}`, async () => {
      await tf.setBackend('cpu');
      const reference = grad(c, 10 + i);
      await tf.setBackend('wasm');
      const ours = grad(c, 10 + i);
      assert.equal(ours.length, reference.length);
      for (let k = 0; k < ours.length; k++)
        assert.ok(Math.abs(ours[k] - reference[k]) < 1e-5, `dx[${k}]: ${ours[k]} vs ${reference[k]}`);
      // every output's gradient lands somewhere: totals agree
      const total = (a: Float32Array) => a.reduce((s, v) => s + v, 0);
      assert.ok(Math.abs(total(ours) - total(reference)) < 1e-4);
    });
  }
});
