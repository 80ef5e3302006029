/**
 * The project's wasm gradient kernels against tfjs's cpu backend (the reference implementation) on small
 * shapes covering strides, kernel sizes, padding modes, odd sizes and batch 1, plus a numerical gradient.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../services/trainer/train/index.js';
import { createRng } from '../../../../shared/random/index.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: number;
  stride: number;
  pad: Pad;
}

const cases: Case[] = [
  { n: 2, h: 9, w: 9, cin: 3, cout: 4, k: 3, stride: 1, pad: 1 },
  { n: 2, h: 9, w: 8, cin: 3, cout: 5, k: 3, stride: 2, pad: 1 },
  { n: 1, h: 16, w: 16, cin: 3, cout: 8, k: 7, stride: 2, pad: 3 },
  { n: 3, h: 8, w: 8, cin: 4, cout: 6, k: 1, stride: 2, pad: 0 },
  { n: 2, h: 7, w: 7, cin: 4, cout: 6, k: 1, stride: 1, pad: 0 },
  { n: 2, h: 10, w: 11, cin: 2, cout: 3, k: 5, stride: 3, pad: 2 },
  { n: 2, h: 6, w: 6, cin: 2, cout: 3, k: 4, stride: 2, pad: 'same' },
  { n: 2, h: 7, w: 6, cin: 2, cout: 3, k: 3, stride: 2, pad: 'valid' },
  {
    n: 1,
    h: 5,
    w: 5,
    cin: 2,
    cout: 2,
    k: 3,
    stride: 1,
    pad: [
      [0, 0],
      [0, 2],
      [1, 0],
      [0, 0],
    ],
  },
  { n: 2, h: 2, w: 2, cin: 8, cout: 8, k: 3, stride: 1, pad: 1 },
];

function data(shape: number[], seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
}

/** gradients of sum(conv(x, w) · r) w.r.t. x and w on the active backend */
function convGrads(c: Case, seed: number): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const x = tf.tensor4d(data([c.n, c.h, c.w, c.cin], seed), [c.n, c.h, c.w, c.cin]);
    const w = tf.tensor4d(data([c.k, c.k, c.cin, c.cout], seed + 1), [c.k, c.k, c.cin, c.cout]);
    const y = tf.conv2d(x, w, c.stride, c.pad as never);
    const r = tf.tensor(data(y.shape, seed + 2), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad as never), r)),
    )([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

function assertClose(actual: Float32Array, expected: Float32Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= 1e-4 * scale, `${label}: max abs diff ${worst} (scale ${scale})`);
}

describe('wasm conv2d gradient kernels', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const [i, c] of cases.entries()) {
    it(`match the cpu backend: ${c.k}x${c.k}/${c.stride} pad ${JSON.stringify(c.pad)} on ${c.n}x${c.h}x${c.w}x${c.cin}→${c.cout}`, async () => {
      await tf.setBackend('cpu');
      const reference = convGrads(c, 100 + i);
      await tf.setBackend('wasm');
      const ours = convGrads(c, 100 + i);
      assertClose(ours.dw, reference.dw, 'filter gradient');
      assertClose(ours.dx, reference.dx, 'input gradient');
    });
  }

  it('agree with central differences of the wasm forward convolution', () => {
    const c: Case = { n: 2, h: 6, w: 6, cin: 2, cout: 3, k: 3, stride: 2, pad: 1 };
    const xs = data([c.n, c.h, c.w, c.cin], 7);
    const ws = data([c.k, c.k, c.cin, c.cout], 8);
    const ySize = tf.tidy(
      () =>
        tf.conv2d(
          tf.tensor4d(xs, [c.n, c.h, c.w, c.cin]),
          tf.tensor4d(ws, [c.k, c.k, c.cin, c.cout]),
          c.stride,
          c.pad as never,
        ).shape,
    );
    const rs = data(ySize, 9);
    const loss = (x: Float32Array, w: Float32Array) =>
      tf.tidy(() => {
        const y = tf.conv2d(
          tf.tensor4d(x, [c.n, c.h, c.w, c.cin]),
          tf.tensor4d(w, [c.k, c.k, c.cin, c.cout]),
          c.stride,
          c.pad as never,
        );
        return Array.from(tf.mul(y, tf.tensor(rs, ySize)).dataSync()).reduce((a, b) => a + b, 0); // float64 sum
      });
    const analytic = tf.tidy(() => {
      const r = tf.tensor(rs, ySize);
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad as never), r)),
      )([tf.tensor4d(xs, [c.n, c.h, c.w, c.cin]), tf.tensor4d(ws, [c.k, c.k, c.cin, c.cout])]);
      return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
    });
    const h = 1e-2; // the loss is linear in each argument, so a large step is exact up to rounding
    for (const i of [0, 5, 17, ws.length - 1]) {
      const plus = ws.slice();
      const minus = ws.slice();
      plus[i] += h;
      minus[i] -= h;
      const numeric = (loss(xs, plus) - loss(xs, minus)) / (2 * h);
      assert.ok(
        Math.abs(numeric - analytic.dw[i]) < 2e-2 * Math.max(1, Math.abs(numeric)),
        `dW[${i}]: ${analytic.dw[i]} vs numeric ${numeric}`,
      );
    }
    for (const i of [0, 11, 40, xs.length - 1]) {
      const plus = xs.slice();
      const minus = xs.slice();
      plus[i] += h;
      minus[i] -= h;
      const numeric = (loss(plus, ws) - loss(minus, ws)) / (2 * h);
      assert.ok(
        Math.abs(numeric - analytic.dx[i]) < 2e-2 * Math.max(1, Math.abs(numeric)),
        `dX[${i}]: ${analytic.dx[i]} vs numeric ${numeric}`,
      );
    }
  });

  it('refuse NCHW with a clear error', () => {
    const x = tf.zeros([1, 2, 4, 4]);
    const dy = tf.zeros([1, 2, 4, 4]);
    assert.throws(
      () =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            { strides: [1, 1], pad: 1, dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] },
          ),
      (e: Error & { code?: string }) => e.code === 'KERNEL_UNSUPPORTED',
    );
    tf.dispose([x, dy]);
  });
});
