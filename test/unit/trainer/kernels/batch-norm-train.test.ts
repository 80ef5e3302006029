/**
 * The fused training batch norm (+ReLU) kernel against the same computation composed from tfjs ops and
 * differentiated by tfjs autograd on the cpu backend (the reference), on wasm and cpu.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../../shared/random/index.js';
import { BATCH_NORM_TRAIN, batchNormTrain } from '../../../../services/trainer/kernels/index.js';
import { initBackend } from '../../../../services/trainer/train/index.js';

function values(n: number, seed: number, offset = 0): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => offset + rng.normal());
}

interface Outcome {
  y: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  dx: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
}

const shape = [3, 5, 4, 6];
const size = shape.reduce((a, b) => a * b, 1);
const c = shape[3];
const eps = 1e-5;

/** loss = Σ y·r, so dy = r */
function run(relu: boolean, fused: boolean): Outcome {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(size, 1, 3), shape as [number, number, number, number]); // mean ≠ 0 on purpose
    const gamma = tf.tensor1d(values(c, 2, 1));
    const beta = tf.tensor1d(values(c, 3));
    const r = tf.tensor(values(size, 4), shape);
    const forward = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      if (fused) return batchNormTrain(a, g, b, eps, relu);
      const { mean, variance } = tf.moments(a, [0, 1, 2]);
      const y = tf.batchNorm(a, mean, variance, b, g, eps);
      return { y: relu ? tf.relu(y) : y, mean, variance };
    };
    const stats = forward(x, gamma, beta);
    const [dx, dGamma, dBeta] = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(forward(a, g, b).y, r)),
    )([x, gamma, beta]);
    const read = (t: tf.Tensor) => t.dataSync() as Float32Array;
    return {
      y: read(stats.y),
      mean: read(stats.mean),
      variance: read(stats.variance),
      dx: read(dx),
      dGamma: read(dGamma),
      dBeta: read(dBeta),
    };
  });
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance: number, label: string): void {
  assert.equal(actual.length, expected.length, label);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance * Math.max(1, Math.abs(expected[i])),
      `${label}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
  }
}

describe('GibsBatchNormTrain kernel', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const relu of [false, true]) {
    for (const backend of ['wasm', 'cpu']) {
      it(`matches composed tfjs ops and their autograd (relu ${relu}, ${backend})`, async () => {
        await tf.setBackend('cpu');
        const reference = run(relu, false);
        await tf.setBackend(backend);
        assert.ok(tf.getKernel(BATCH_NORM_TRAIN, backend), 'kernel registered');
        const fused = run(relu, true);
        await tf.setBackend('wasm');
        for (const key of ['y', 'mean', 'variance', 'dx', 'dGamma', 'dBeta'] as const)
          assertClose(fused[key], reference[key], 1e-4, key);
      });
    }
  }

  it('is what the encoder uses in training on wasm (no composed fallback there)', () => {
    assert.ok(tf.getKernel(BATCH_NORM_TRAIN, 'wasm'));
  });
});
