import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ParamSpec } from '../../../../shared/model/encoder/index.js';
import { collapseStdPacked as collapseStd } from '../../../../shared/model/eval/index.js';
import {
  createOptimizer,
  createParamLayout,
  defaultWarmupSteps,
  flattenWeights,
  learningRateAt,
  unflattenWeights,
} from '../../../../services/trainer/train/index.js';

const specs: ParamSpec[] = [
  { name: 'a/kernel', shape: [2], trainable: true, init: 'he_normal' },
  { name: 'a_bn/gamma', shape: [1], trainable: true, init: 'ones' },
  { name: 'a_bn/moving_mean', shape: [1], trainable: false, init: 'zeros' },
];

describe('parameter layout', () => {
  it('flattens in spec order with fallbacks and splits back', () => {
    const layout = createParamLayout(specs);
    assert.equal(layout.size, 4);
    assert.equal(layout.statsSize, 1);
    const flat = flattenWeights(
      layout,
      { 'a/kernel': { shape: [2], data: new Float32Array([1, 2]) } },
      {
        'a/kernel': { shape: [2], data: new Float32Array([9, 9]) },
        'a_bn/gamma': { shape: [1], data: new Float32Array([3]) },
        'a_bn/moving_mean': { shape: [1], data: new Float32Array([4]) },
      },
    );
    assert.deepEqual(Array.from(flat), [1, 2, 3, 4]);
    const back = unflattenWeights(layout, flat, (s) => s.trainable);
    assert.deepEqual(Object.keys(back), ['a/kernel', 'a_bn/gamma']);
    assert.deepEqual(Array.from(back['a/kernel'].data), [1, 2]);
  });

  it('names the parameter that is missing or misshapen, and refuses duplicate names', () => {
    const layout = createParamLayout(specs);
    assert.throws(() => flattenWeights(layout, {}), /a\/kernel/);
    assert.throws(
      () => flattenWeights(layout, { 'a/kernel': { shape: [3], data: new Float32Array(3) } }),
      /a\/kernel.*shape/,
    );
    assert.throws(() => createParamLayout([specs[0], specs[0]]), /duplicate/);
  });
});

describe('optimizers', () => {
  it('SGD with momentum and weight decay on kernels only (hand-computed, two steps)', () => {
    const layout = createParamLayout(specs);
    const opt = createOptimizer(layout, { kind: 'sgd', momentum: 0.9, weightDecay: 0.1 });
    const p = new Float32Array([1, -2, 1, 5]);
    const g = new Float32Array([0.5, 0.5, 0.5, 7]);
    opt.step(p, g, 0.1);
    // kernel: v = 0.5 + 0.1·w ; w −= 0.1·v ; gamma: no decay ; moving stat untouched
    assert.ok(Math.abs(p[0] - (1 - 0.1 * 0.6)) < 1e-6);
    assert.ok(Math.abs(p[1] - (-2 - 0.1 * 0.3)) < 1e-6);
    assert.ok(Math.abs(p[2] - (1 - 0.1 * 0.5)) < 1e-6);
    assert.equal(p[3], 5);
    const w0 = p[0];
    opt.step(p, g, 0.1);
    const v = 0.9 * 0.6 + 0.5 + 0.1 * w0;
    assert.ok(Math.abs(p[0] - (w0 - 0.1 * v)) < 1e-6);
  });

  it('AdamW: first step moves each weight by ≈ lr·sign(g) (+ decoupled decay)', () => {
    const layout = createParamLayout(specs);
    const opt = createOptimizer(layout, { kind: 'adamw', weightDecay: 0.01 });
    const p = new Float32Array([1, 1, 1, 0]);
    opt.step(p, new Float32Array([0.3, -2, 0.001, 0]), 0.01);
    assert.ok(Math.abs(p[0] - (1 - 0.01 * (1 + 0.01))) < 1e-5);
    assert.ok(Math.abs(p[1] - (1 + 0.01 - 0.01 * 0.01)) < 1e-5);
    assert.ok(Math.abs(p[2] - (1 - 0.01 * (0.001 / (0.001 + 1e-8)))) < 1e-5, 'no decay on gamma');
  });

  it('state() and load() resume exactly', () => {
    const layout = createParamLayout(specs);
    const g = new Float32Array([0.1, -0.2, 0.3, 0]);
    for (const kind of ['sgd', 'adamw'] as const) {
      const a = createOptimizer(layout, { kind });
      const pa = new Float32Array([1, 2, 3, 0]);
      a.step(pa, g, 0.05);
      const b = createOptimizer(layout, { kind });
      b.load(a.state());
      const pb = pa.slice();
      a.step(pa, g, 0.05);
      b.step(pb, g, 0.05);
      assert.deepEqual(pb, pa, kind);
    }
  });

  it('rejects bad settings and bad steps', () => {
    const layout = createParamLayout(specs);
    assert.throws(() => createOptimizer(layout, { kind: 'lamb' as 'sgd' }), /unknown optimizer/);
    assert.throws(() => createOptimizer(layout, { kind: 'sgd', momentum: 1 }), /momentum/);
    assert.throws(() => createOptimizer(layout, { kind: 'sgd', weightDecay: -1 }), /weight decay/);
    const opt = createOptimizer(layout);
    assert.throws(() => opt.step(new Float32Array(4), new Float32Array(3), 0.1), /layout/);
    assert.throws(() => opt.step(new Float32Array(4), new Float32Array(4), Number.NaN), /learning rate/);
  });
});

describe('learning-rate schedule', () => {
  it('warms up linearly then decays along a half cosine to the final fraction', () => {
    const s = { base: 1, totalSteps: 110, warmupSteps: 10 };
    assert.ok(Math.abs(learningRateAt(s, 0) - 0.1) < 1e-12);
    assert.ok(Math.abs(learningRateAt(s, 9) - 1) < 1e-12);
    assert.ok(Math.abs(learningRateAt(s, 10) - 1) < 1e-12);
    assert.ok(Math.abs(learningRateAt(s, 60) - 0.5) < 1e-12);
    assert.ok(Math.abs(learningRateAt(s, 110)) < 1e-12);
    assert.ok(Math.abs(learningRateAt({ ...s, final: 0.1 }, 110) - 0.1) < 1e-12);
    assert.equal(defaultWarmupSteps(100), 10);
    assert.equal(defaultWarmupSteps(100000), 500);
    assert.throws(() => learningRateAt({ base: -1, totalSteps: 1, warmupSteps: 0 }, 0), /schedule/);
  });
});

describe('collapse metric', () => {
  it('is 0 for identical embeddings and ≈ 1/√dim for spread ones', () => {
    assert.equal(collapseStd(new Float32Array([1, 0, 1, 0, 1, 0]), 3), 0);
    const dim = 64;
    const n = 2000;
    const e = new Float32Array(n * dim);
    let seed = 1;
    for (let i = 0; i < n; i++) {
      let norm = 0;
      for (let d = 0; d < dim; d++) {
        seed = (seed * 16807) % 2147483647;
        const v = seed / 2147483647 - 0.5;
        e[i * dim + d] = v;
        norm += v * v;
      }
      for (let d = 0; d < dim; d++) e[i * dim + d] /= Math.sqrt(norm);
    }
    const std = collapseStd(e, n);
    assert.ok(Math.abs(std - 1 / Math.sqrt(dim)) < 0.02, `${std}`);
  });
});
