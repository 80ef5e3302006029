import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../../shared/random/index.js';
import {
  buildEncoderGraph,
  graphParams,
  initWeights,
  resnet18Half,
  smallCnn,
  type EncoderArch,
  type WeightMap,
} from '../../../../shared/model/encoder/index.js';
import { createTfjsEncoder, forwardEncoder } from '../../../../services/trainer/tfjs/index.js';
import { initBackend } from '../../../../services/trainer/train/index.js';

function randoms(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => rng.normal());
}

function images(n: number, size: number, seed: number): Float32Array {
  return randoms(n * size * size * 3, seed);
}

function toTensors(weights: WeightMap): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(weights).map(([k, w]) => [k, tf.tensor(w.data, w.shape)]));
}

describe('tfjs encoder', () => {
  before(async () => {
    await initBackend('wasm');
  });

  for (const [label, arch, size, dim] of [
    ['resnet18Half', resnet18Half, 64, 256],
    ['smallCnn', smallCnn, 32, 64],
  ] as const) {
    it(`${label}: forward shapes, unit-norm embeddings, training and inference`, () => {
      const graph = buildEncoderGraph(arch);
      assert.equal(graph.embeddingDim, dim);
      tf.tidy(() => {
        const params = toTensors(initWeights(graph, 1));
        const x = tf.tensor4d(images(3, size, 2), [3, size, size, 3]);
        for (const training of [true, false]) {
          const out = forwardEncoder(graph, params, x, { training });
          assert.deepEqual(out.embedding.shape, [3, dim]);
          assert.deepEqual(out.pooled.shape, [3, dim]);
          const norms = tf.norm(out.embedding, 2, 1).dataSync();
          norms.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-5, `norm ${v}`));
          assert.equal(out.movingStats !== undefined, training);
        }
      });
    });
  }

  it('initWeights is seeded He-normal and covers every graph parameter', () => {
    const graph = buildEncoderGraph(resnet18Half);
    const a = initWeights(graph, 5);
    const b = initWeights(graph, 5);
    const c = initWeights(graph, 6);
    assert.deepEqual(
      Object.keys(a),
      graphParams(graph).map((p) => p.name),
    );
    assert.deepEqual(a['layer4.1.conv2/kernel'].data, b['layer4.1.conv2/kernel'].data);
    assert.notDeepEqual(a['layer4.1.conv2/kernel'].data, c['layer4.1.conv2/kernel'].data);
    const k = a['layer4.1.conv2/kernel'].data; // 3·3·256 fan-in
    const std = Math.sqrt(k.reduce((s, v) => s + v * v, 0) / k.length);
    assert.ok(Math.abs(std - Math.sqrt(2 / (3 * 3 * 256))) < 0.002, `std ${std}`);
    assert.ok(a['stem_bn/gamma'].data.every((v) => v === 1));
    assert.ok(a['stem_bn/moving_variance'].data.every((v) => v === 1));
    assert.ok(a['stem_bn/beta'].data.every((v) => v === 0));
  });

  it('training mode returns moving statistics m·old + (1−m)·batch (unbiased variance)', () => {
    const arch: EncoderArch = { kind: 'small', width: 4, layers: 1, norm: 'batch' };
    const graph = buildEncoderGraph(arch);
    tf.tidy(() => {
      const params = toTensors(initWeights(graph, 3));
      const x = tf.tensor4d(images(2, 8, 4), [2, 8, 8, 3]);
      const { movingStats } = forwardEncoder(graph, params, x, { training: true });
      const conv = tf.conv2d(x, params['conv1/kernel'] as tf.Tensor4D, 2, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]);
      const { mean, variance } = tf.moments(conv, [0, 1, 2]);
      const count = conv.size / 4;
      const expectedMean = tf.mul(mean, 0.1).dataSync();
      const expectedVar = tf.add(0.9, tf.mul(variance, (0.1 * count) / (count - 1))).dataSync();
      movingStats!['conv1_bn/moving_mean']
        .dataSync()
        .forEach((v, i) => assert.ok(Math.abs(v - expectedMean[i]) < 1e-5));
      movingStats!['conv1_bn/moving_variance']
        .dataSync()
        .forEach((v, i) => assert.ok(Math.abs(v - expectedVar[i]) < 1e-4));
    });
  });

  it('reports a missing or misshapen parameter by name', () => {
    const graph = buildEncoderGraph(smallCnn);
    tf.tidy(() => {
      const params = toTensors(initWeights(graph, 1));
      const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
      const missing = { ...params };
      delete missing['conv2/bias'];
      assert.throws(() => forwardEncoder(graph, missing, x, { training: false }), /conv2\/bias/);
      assert.throws(
        () => forwardEncoder(graph, { ...params, 'conv1/kernel': tf.zeros([3, 3, 3, 8]) }, x, { training: false }),
        /conv1\/kernel.*shape/,
      );
      assert.throws(
        () => forwardEncoder(graph, params, tf.zeros([1, 16, 16, 1]) as tf.Tensor4D, { training: false }),
        /3 channels/,
      );
    });
  });

  it('createTfjsEncoder embeds like forwardEncoder in inference, in chunks, and validates its input', async () => {
    const graph = buildEncoderGraph(resnet18Half);
    const weights = initWeights(graph, 9);
    // non-trivial moving statistics, so inference differs from batch statistics
    for (const [name, w] of Object.entries(weights)) {
      if (name.endsWith('moving_mean')) w.data.fill(0.05);
      if (name.endsWith('moving_variance')) w.data.fill(1.5);
    }
    const input = images(5, 32, 11);
    const encoder = createTfjsEncoder(graph, weights, { maxBatch: 2 });
    const out = await encoder.embed(input, 5, 32);
    assert.equal(out.length, 5);
    const expected = tf.tidy(() =>
      forwardEncoder(graph, toTensors(weights), tf.tensor4d(input, [5, 32, 32, 3]), {
        training: false,
      }).embedding.arraySync(),
    );
    out.forEach((v, i) => v.forEach((x, k) => assert.ok(Math.abs(x - expected[i][k]) < 1e-5)));
    await assert.rejects(encoder.embed(input, 4, 32), /expected 4×32×32×3/);
    encoder.dispose();
    await assert.rejects(encoder.embed(input, 5, 32), /disposed/);
    const broken = { ...weights };
    delete broken['layer3.0.down/kernel'];
    assert.throws(() => createTfjsEncoder(graph, broken), /layer3\.0\.down\/kernel/);
    assert.throws(
      () =>
        createTfjsEncoder(graph, { ...weights, 'stem/kernel': { shape: [3, 3, 3, 32], data: new Float32Array(864) } }),
      /stem\/kernel/,
    );
  });

  it('gives the same gradients on wasm (project kernels) as on the cpu backend', async () => {
    const arch: EncoderArch = { kind: 'resnet', width: 8, blocks: [1, 1], stem: 'imagenet', norm: 'batch' };
    const graph = buildEncoderGraph(arch);
    const weights = initWeights(graph, 4);
    const x = images(3, 19, 5);
    const grads = () =>
      tf.tidy(() => {
        const params = toTensors(weights);
        const r = tf.tensor2d(randoms(3 * graph.embeddingDim, 6), [3, graph.embeddingDim]);
        const names = Object.keys(params).filter((k) => !k.includes('moving'));
        const g = tf.grads((...ts: tf.Tensor[]) => {
          const p = { ...params };
          names.forEach((n, i) => (p[n] = ts[i]));
          return tf.sum(
            tf.mul(forwardEncoder(graph, p, tf.tensor4d(x, [3, 19, 19, 3]), { training: true }).embedding, r),
          );
        })(names.map((n) => params[n]));
        return g.map((t) => t.dataSync() as Float32Array);
      });
    await tf.setBackend('cpu');
    const reference = grads();
    await tf.setBackend('wasm');
    const ours = grads();
    reference.forEach((ref, i) => {
      const scale = Math.max(...Array.from(ref, Math.abs), 1e-6);
      ref.forEach((v, k) =>
        assert.ok(Math.abs(v - ours[i][k]) <= 1e-4 * scale, `grad ${i}[${k}]: ${ours[i][k]} vs ${v}`),
      );
    });
  });
});
