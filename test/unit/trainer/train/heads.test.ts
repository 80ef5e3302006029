import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initParams } from '../../../../shared/model/encoder/index.js';
import { buildHeads, forwardHead, headParams, initBackend } from '../../../../services/trainer/train/index.js';

describe('training heads', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('SimCLR: dim → dim → BN → ReLU → 128; SimSiam: 3-layer projector and bottleneck predictor', () => {
    const simclr = buildHeads('simclr', 256, 'batch');
    assert.deepEqual(
      simclr.projector.layers.map((l) => l.op),
      ['dense', 'batchnorm', 'relu', 'dense'],
    );
    assert.equal(simclr.projector.outDim, 128);
    assert.equal(simclr.predictor, undefined);
    const simsiam = buildHeads('simsiam', 64, 'batch');
    assert.deepEqual(
      simsiam.projector.layers.map((l) => l.op),
      ['dense', 'batchnorm', 'relu', 'dense', 'batchnorm', 'relu', 'dense', 'batchnorm'],
    );
    assert.equal(simsiam.projector.outDim, 128);
    assert.deepEqual(
      simsiam.predictor!.layers.map((l) => (l.op === 'dense' ? `${l.inDim}>${l.outDim}` : l.op)),
      ['128>32', 'batchnorm', 'relu', '32>128'],
    );
    const plain = buildHeads('simsiam', 64, 'none');
    assert.ok(plain.projector.layers.every((l) => l.op !== 'batchnorm'));
    assert.ok(headParams(plain).some((p) => p.name === 'head/projector/fc1/bias'));
    assert.ok(headParams(simclr).every((p) => p.name.startsWith('head/projector/')));
    assert.throws(() => buildHeads('simclr', 64, 'batch', { out: 0 }), /positive integer/);
  });

  it('forwardHead matches plain tfjs ops, values and gradients', () => {
    const heads = buildHeads('simclr', 16, 'none', { hidden: 12, out: 8 });
    const weights = initParams(headParams(heads), 3);
    tf.tidy(() => {
      const params = Object.fromEntries(Object.entries(weights).map(([k, w]) => [k, tf.tensor(w.data, w.shape)]));
      const x = tf.randomNormal([5, 16], 0, 1, 'float32', 4) as tf.Tensor2D;
      const r = tf.randomNormal([5, 8], 0, 1, 'float32', 5);
      const names = Object.keys(params);
      const reference = (p: Record<string, tf.Tensor>, input: tf.Tensor2D) => {
        const h = tf.relu(
          tf.add(tf.matMul(input, p['head/projector/fc1/kernel'] as tf.Tensor2D), p['head/projector/fc1/bias']),
        ) as tf.Tensor2D;
        return tf.add(tf.matMul(h, p['head/projector/fc2/kernel'] as tf.Tensor2D), p['head/projector/fc2/bias']);
      };
      const ours = (p: Record<string, tf.Tensor>, input: tf.Tensor2D) => forwardHead(heads.projector, p, input, {});
      const grads = (f: (p: Record<string, tf.Tensor>, input: tf.Tensor2D) => tf.Tensor) =>
        tf.grads((...ts: tf.Tensor[]) =>
          tf.sum(tf.mul(f(Object.fromEntries(names.map((n, i) => [n, ts[i]])), ts[names.length] as tf.Tensor2D), r)),
        )([...names.map((n) => params[n]), x]);
      const a = grads(reference);
      const b = grads(ours);
      a.forEach((g, i) =>
        g.dataSync().forEach((v, k) => assert.ok(Math.abs(v - b[i].dataSync()[k]) < 1e-5, `grad ${i}[${k}]`)),
      );
      const ya = reference(params, x).dataSync();
      ours(params, x)
        .dataSync()
        .forEach((v, k) => assert.ok(Math.abs(v - ya[k]) < 1e-5));
    });
  });
});
