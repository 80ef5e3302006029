import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../../shared/random/index.js';
import { denseConv2d, denseConvPays } from '../../../../services/trainer/tfjs/index.js';
import { initBackend } from '../../../../services/trainer/train/index.js';

function randoms(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => rng.normal());
}

const cases = [
  { h: 2, w: 2, cin: 5, cout: 6, k: 3, stride: 1, pad: 1 },
  { h: 1, w: 1, cin: 4, cout: 3, k: 3, stride: 1, pad: 1 },
  { h: 2, w: 1, cin: 3, cout: 4, k: 3, stride: 2, pad: 1 },
  { h: 3, w: 3, cin: 2, cout: 3, k: 3, stride: 2, pad: 0 },
];

describe('dense convolution on tiny maps', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('is chosen only where it halves the multiply count', () => {
    assert.equal(denseConvPays(2, 2, 3, 1, 1), true);
    assert.equal(denseConvPays(4, 4, 3, 1, 1), false);
    assert.equal(denseConvPays(4, 4, 3, 2, 1), false);
    assert.equal(denseConvPays(4, 4, 1, 2, 0), false);
  });

  for (const c of cases) {
    it(`equals tf.conv2d and its gradients: ${c.h}x${c.w}x${c.cin} → ${c.cout}, ${c.k}x${c.k}/${c.stride} pad ${c.pad}`, () => {
      tf.tidy(() => {
        const n = 3;
        const x = tf.tensor4d(randoms(n * c.h * c.w * c.cin, 1), [n, c.h, c.w, c.cin]);
        const k = tf.tensor4d(randoms(c.k * c.k * c.cin * c.cout, 2), [c.k, c.k, c.cin, c.cout]);
        const pad = [
          [0, 0],
          [c.pad, c.pad],
          [c.pad, c.pad],
          [0, 0],
        ] as [[number, number], [number, number], [number, number], [number, number]];
        const reference = tf.conv2d(x, k, c.stride, pad);
        const dense = denseConv2d(x, k, c.stride, c.pad);
        assert.deepEqual(dense.shape, reference.shape);
        const r = tf.tensor(randoms(reference.size, 3), reference.shape);
        const close = (a: tf.Tensor, b: tf.Tensor, label: string) => {
          const av = a.dataSync();
          const bv = b.dataSync();
          av.forEach((v, i) =>
            assert.ok(Math.abs(v - bv[i]) < 1e-4 * Math.max(1, Math.abs(bv[i])), `${label}[${i}] ${v} vs ${bv[i]}`),
          );
        };
        close(dense, reference, 'y');
        const [dxRef, dkRef] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, pad), r)),
        )([x, k]);
        const [dx, dk] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(denseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r)),
        )([x, k]);
        close(dx, dxRef, 'dx');
        close(dk, dkRef, 'dk');
      });
    });
  }
});
