/**
 * Data parallelism: 2 worker threads with B/2 pairs each must give the update of 1 worker with B pairs.
 *
 * Why this is exact in principle: the model is a per-sample function (smallCnn has `norm: 'none'`, and the
 * heads follow the encoder's norm, so no batch statistics couple samples), the SimSiam loss is a mean over
 * samples, each worker returns the mean-gradient of its shard, and the trainer averages shards weighted
 * by size — the mean over the whole batch. Augmentation rngs are derived per (step, sample), so both runs
 * see identical views; the optimiser runs once, on the main thread. What remains is float32 summation
 * order inside the kernels (≈1e-7 relative), hence the tolerance.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createAugmentedSource, loadImageDataset } from '../../../../services/trainer/data/index.js';
import { buildEncoderGraph, initWeights, smallCnn } from '../../../../shared/model/encoder/index.js';
import {
  trainEncoder,
  type TrainBatchSource,
  type TrainOptions,
  trainErrorCodes,
} from '../../../../services/trainer/train/index.js';
import { kit } from '../../../support/data-kit.js';

describe('data-parallel training', () => {
  let data: TrainBatchSource;
  before(async () => {
    const dataset = await loadImageDataset({ dir: kit('bluemarble/2'), inputSize: 32, maxImages: 16 });
    data = createAugmentedSource(dataset, { viewSize: 24 });
  });

  const options = (workers: number): TrainOptions => ({
    arch: smallCnn,
    technique: 'simsiam',
    inputSize: 24,
    batchSize: 8,
    epochs: 1,
    steps: 2,
    workers,
    seed: 11,
    lr: 0.1,
    temperature: 0.1,
    backend: 'wasm',
    warmupSteps: 0,
    data,
  });

  it('2 workers × B/2 give the same parameters as 1 worker × B (SimSiam, norm none)', async (t) => {
    assert.equal(smallCnn.norm, 'none');
    const one = await trainEncoder(options(1));
    const two = await trainEncoder(options(2));
    assert.equal(two.history.length, 2);
    const initial = initWeights(buildEncoderGraph(smallCnn), 11);
    let worstRelative = 0;
    let moved = 0;
    for (const [name, w] of Object.entries(one.weights)) {
      const other = two.weights[name].data;
      const scale = Math.max(...Array.from(w.data, Math.abs), 1e-8);
      w.data.forEach((v, i) => {
        worstRelative = Math.max(worstRelative, Math.abs(v - other[i]) / scale);
        moved = Math.max(moved, Math.abs(v - initial[name].data[i]));
      });
    }
    assert.ok(moved > 1e-3, `the updates are not trivial (max change ${moved})`);
    t.diagnostic(`max relative parameter difference 1 vs 2 workers: ${worstRelative.toExponential(2)}`);
    assert.ok(worstRelative < 1e-5, `max relative difference ${worstRelative}`);
    for (const [k, h] of one.history.entries()) assert.ok(Math.abs(h.loss - two.history[k].loss) < 1e-5);
  });

  it('reports a worker that cannot start its backend as a non-retriable error', async () => {
    await assert.rejects(
      trainEncoder({ ...options(2), backend: 'webgpu' }),
      (e: Error & { code?: string; retriable?: boolean }) =>
        e.code === trainErrorCodes.backendUnavailable && e.retriable === false,
    );
  });
});
