import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../../services/trainer/train/index.js';

describe('Identity (wasm, shared buffer)', () => {
  before(async () => {
    await initBackend('wasm');
  });

  it('clones without copying, and the clone outlives its source', () => {
    const before = tf.memory().numDataBuffers;
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.clone(x);
    assert.equal(tf.memory().numDataBuffers - before, 1, 'one buffer for both');
    x.dispose();
    assert.deepEqual(Array.from(y.dataSync()), [1, 2, 3, 4]);
    y.dispose();
    assert.equal(tf.memory().numDataBuffers, before);
  });

  it('keeps a variable and its saved clone independent across assign', () => {
    const v = tf.variable(tf.tensor1d([1, 2, 3]));
    const saved = tf.clone(v);
    v.assign(tf.tensor1d([7, 8, 9]));
    assert.deepEqual(Array.from(saved.dataSync()), [1, 2, 3]);
    assert.deepEqual(Array.from(v.dataSync()), [7, 8, 9]);
    tf.dispose([v, saved]);
  });
});
