/**
 * Short real training runs on real Blue Marble tiles (../shared/data), decoded with sharp by the data
 * module and augmented by the augment module: the loss must fall and the embeddings must not collapse.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createAugmentedSource, loadImageDataset } from '../../../../services/trainer/data/index.js';
import type { EncoderArch } from '../../../../shared/model/encoder/index.js';
import {
  trainEncoder,
  type TrainBatchSource,
  type TrainOptions,
  type TrainStepInfo,
} from '../../../../services/trainer/train/index.js';
import { kit } from '../../../support/data-kit.js';

const arch: EncoderArch = { kind: 'small', width: 16, layers: 3, norm: 'batch' };
const healthyStd = 1 / Math.sqrt(64); // embedding dim of this arch

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('trainEncoder on real tiles', () => {
  let data: TrainBatchSource;
  before(async () => {
    const dataset = await loadImageDataset({ dir: kit('bluemarble/3'), inputSize: 48, maxImages: 64 });
    data = createAugmentedSource(dataset, { viewSize: 32 });
  });

  const base = (): TrainOptions => ({
    arch,
    technique: 'simclr',
    inputSize: 32,
    batchSize: 32,
    epochs: 100,
    steps: 40,
    workers: 1,
    seed: 1,
    lr: 0.3,
    temperature: 0.1,
    backend: 'wasm',
    warmupSteps: 3,
    data,
  });

  for (const [technique, lr] of [
    ['simclr', 0.3],
    ['simsiam', 0.1],
  ] as const) {
    it(`${technique}: the loss decreases and the embeddings stay spread`, async (t) => {
      const steps: TrainStepInfo[] = [];
      const result = await trainEncoder({ ...base(), technique, lr }, { onStep: (s) => steps.push(s) });
      const losses = result.history.map((h) => h.loss);
      const first = mean(losses.slice(0, 5));
      const last = mean(losses.slice(-5));
      const collapse = mean(result.history.slice(-5).map((h) => h.collapseStd));
      t.diagnostic(
        `${technique}: loss ${first.toFixed(3)} → ${last.toFixed(3)}, collapse std ${collapse.toFixed(3)} (healthy ≈ ${healthyStd.toFixed(3)}), ${result.imagesPerSecond.toFixed(0)} img/s`,
      );
      assert.equal(result.history.length, 40);
      assert.ok(last < first - (technique === 'simclr' ? 0.2 : 0.1), `loss ${first} → ${last}`);
      assert.ok(collapse > 0.35 * healthyStd, `collapse std ${collapse}`);
      assert.ok(losses.every(Number.isFinite));
      assert.equal(steps.length, 40);
      assert.equal(steps[39].etaSeconds, 0);
      assert.ok(steps.every((s) => s.imagesPerSecond > 0 && s.lr >= 0));
      assert.ok(Object.keys(result.weights).every((k) => !k.startsWith('head/')));
      assert.ok(Object.keys(result.state).some((k) => k.startsWith('head/')) && 'optimizer/t' in result.state);
      assert.equal(result.backend, 'wasm');
    });
  }

  it('resumes exactly: 4 steps equal 2 steps + resume from state for 2 more', async () => {
    const opts = { ...base(), steps: 4, warmupSteps: 1 };
    const straight = await trainEncoder(opts);
    const firstHalf = await trainEncoder({ ...opts }, { onStep: () => undefined, signal: AbortSignal.abort() });
    assert.equal(firstHalf.aborted, true);
    assert.equal(firstHalf.history.length, 0);
    const controller = new AbortController();
    const part = await trainEncoder(opts, {
      onStep: (s) => s.step === 1 && controller.abort(),
      signal: controller.signal,
    });
    assert.equal(part.aborted, true);
    assert.equal(part.nextStep, 2);
    const resumed = await trainEncoder({
      ...opts,
      initWeights: { ...part.weights, ...part.state },
      startStep: part.nextStep,
    });
    assert.equal(resumed.history[0].step, 2);
    for (const [name, w] of Object.entries(straight.weights)) {
      const other = resumed.weights[name].data;
      w.data.forEach((v, i) =>
        assert.ok(Math.abs(v - other[i]) <= 1e-6 * Math.max(1, Math.abs(v)), `${name}[${i}]: ${v} vs ${other[i]}`),
      );
    }
  });

  it('rejects impossible options with a clear message', async () => {
    await assert.rejects(trainEncoder({ ...base(), inputSize: 64 }), /view size 32/);
    await assert.rejects(trainEncoder({ ...base(), batchSize: 100 }), /exceeds the 64 images/);
    await assert.rejects(trainEncoder({ ...base(), workers: 0 }), /workers must be a positive integer/);
    await assert.rejects(trainEncoder({ ...base(), temperature: 0 }), /temperature/);
    await assert.rejects(trainEncoder({ ...base(), technique: 'byol' as 'simclr' }), /technique/);
    await assert.rejects(
      trainEncoder({ ...base(), initWeights: { 'conv1/kernel': { shape: [1], data: new Float32Array(1) } } }),
      /conv1\/kernel.*shape/,
    );
  });
});
