/**
 * Backend parity (issue 10): the PyTorch backend (services/trainer/torch) against the tfjs trainer and the
 * ONNX export, on real tiles preprocessed as the embedder does.
 * 1. Same weights → same embeddings from tfjs, torch and ONNX (max abs diff ≤ 1e-4).
 * 2. Same weights (batch-norm statistics included) and views → three SGD steps with momentum change the
 *    weights alike: per step ‖Δw_tfjs − Δw_torch‖ ≤ 1e-3·‖Δw_tfjs‖ over every encoder + head parameter,
 *    and the moving statistics agree after the three steps.
 * Skipped (with the reason) where /usr/bin/python3 has no torch.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import {
  buildEncoderGraph,
  initParams,
  resnet18Half,
  smallCnn,
  type EncoderArch,
} from '../../../../shared/model/encoder/index.js';
import { createOrtEncoder } from '../../../../shared/model/infer/index.js';
import { exportOnnx } from '../../../../shared/model/onnx/index.js';
import { createTfjsEncoder } from '../../../../services/trainer/tfjs/index.js';
import {
  buildTrainingModel,
  flattenWeights,
  headParams,
  initBackend,
  type ModelConfig,
  type Technique,
  unflattenWeights,
} from '../../../../services/trainer/train/index.js';
import { tiles } from '../../../support/data-kit.js';
import { dataDir, l2, maxAbsDiff, testStats, tilePaths } from '../../../support/model-fixtures.js';
import { randomWeights } from '../../../support/random-weights.js';
import {
  flipHorizontal,
  perturbBatchNorm,
  readFloats,
  runTorch,
  tfjsSgdSteps,
  torchSgdSteps,
  tileBatch,
  TorchRunError,
  torchUnavailable,
  writeJob,
  writeFloats,
  writeWeightFiles,
} from '../../../support/torch-parity.js';

const SIZE = 64;
/** ten real images: GIBS tiles of three projections, GOES, PACE, a labelled scene, a layer preview */
const images = [
  ...tilePaths.map((p) => path.join(dataDir, p)),
  tiles.arctic(0, 1),
  tiles.arctic(1, 0),
  tiles.arctic(1, 1),
];

describe('torch backend parity with tfjs and ONNX', () => {
  let unavailable: string | undefined;
  let root: string;
  before(async () => {
    unavailable = await torchUnavailable();
    await initBackend('wasm');
    root = await mkdtemp(path.join(tmpdir(), 'torch-parity-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const skipped = (t: TestContext) => {
    if (unavailable) t.skip(unavailable);
    return unavailable !== undefined;
  };

  const forwardCases: Array<[string, EncoderArch, number]> = [
    ['smallCnn', smallCnn, 11],
    ['resnet18Half', resnet18Half, 3],
  ];
  for (const [label, arch, seed] of forwardCases) {
    it(`${label}: the same weights give the same embeddings (tfjs, torch, ONNX; ≤ 1e-4)`, async (t) => {
      if (skipped(t)) return;
      const graph = buildEncoderGraph(arch);
      // random kernels, biases and batch norm far from identity (γ, β, moving mean and variance)
      const weights = randomWeights(graph, seed);
      const n = images.length;
      const input = await tileBatch(images, SIZE, testStats);
      const job = await mkdtemp(path.join(root, 'forward-'));
      await writeWeightFiles(path.join(job, 'init'), arch, weights);
      await writeFloats(path.join(job, 'input.f32'), input);
      await writeJob(job, {
        graph,
        weights: { weights: 'init/weights.bin', manifest: 'init/weights.json' },
        input: { file: 'input.f32', shape: [n, SIZE, SIZE, 3] },
        threads: 1,
      });
      const dim = graph.embeddingDim;
      const torchRows = async () => {
        await runTorch('forward', job);
        const flat = await readFloats(path.join(job, 'out/embedding.f32'));
        assert.equal(flat.length, n * dim);
        return Array.from({ length: n }, (_, i) => flat.slice(i * dim, (i + 1) * dim));
      };
      const tfjsAndOnnxRows = async () => {
        const tfjs = createTfjsEncoder(graph, weights);
        const ort = await createOrtEncoder(exportOnnx(graph, weights, { inputSize: SIZE }), { intraOpThreads: 1 });
        try {
          return [await tfjs.embed(input, n, SIZE), await ort.embedTensor(input, n)];
        } finally {
          tfjs.dispose();
          await ort.close();
        }
      };
      // the torch process runs while this thread computes the tfjs and ONNX embeddings
      const [torch, [tfjsRows, onnxRows]] = await Promise.all([torchRows(), tfjsAndOnnxRows()]);
      const worst = (x: Float32Array[], y: Float32Array[]) => Math.max(...x.map((row, i) => maxAbsDiff(row, y[i])));
      const torchTfjs = worst(torch, tfjsRows);
      const torchOnnx = worst(torch, onnxRows);
      const tfjsOnnx = worst(tfjsRows, onnxRows);
      // not vacuous: the closest two different images are still far apart at this scale
      let closest = Infinity;
      for (let i = 0; i < n; i++)
        for (let j = i + 1; j < n; j++) closest = Math.min(closest, maxAbsDiff(torch[i], torch[j]));
      t.diagnostic(
        `max abs diff torch–tfjs ${torchTfjs.toExponential(2)}, torch–onnx ${torchOnnx.toExponential(2)}, ` +
          `tfjs–onnx ${tfjsOnnx.toExponential(2)}; closest two images differ by ${closest.toExponential(2)}`,
      );
      for (const row of torch) assert.ok(Math.abs(l2(row) - 1) < 1e-5, 'torch embeddings are unit vectors');
      assert.ok(torchTfjs <= 1e-4, `torch vs tfjs: ${torchTfjs}`);
      assert.ok(torchOnnx <= 1e-4, `torch vs onnx: ${torchOnnx}`);
      assert.ok(tfjsOnnx <= 1e-4, `tfjs vs onnx: ${tfjsOnnx}`);
      assert.ok(closest > 1e-2, `different images must give clearly different embeddings (closest ${closest})`);
    });
  }

  /*
   * Per step k both backends start from the same state — tfjs's weights, moving statistics and momentum
   * velocity after step k−1 (torch resumes them from the `optimizer/…` slots, as --resume does) — and the
   * updates are compared (a torch side that dropped the velocity would miss by 0.9·lr·v, far above 1e-3).
   * Teacher-forced because three free-running steps on this ResNet are chaotic at float32 precision: torch
   * float32 against torch float64 alone differs by 0.04–0.6 % of the update at step 2 and 2–15 % at step 3
   * (measured, lr 0.0003–0.1), so free-running backends cannot meet 1e-3; the free-running torch run is
   * reported as a diagnostic (here ~3e-3 at step 2, ~1e-1 at step 3 for the ResNet, ~3e-6 for smallCnn).
   */
  const sgdCases: Array<[string, EncoderArch, Technique]> = [
    ['resnet18Half, SimCLR', resnet18Half, 'simclr'],
    ['smallCnn, SimSiam', smallCnn, 'simsiam'],
  ];
  for (const [label, arch, technique] of sgdCases) {
    it(`${label}: three SGD steps with momentum change the weights alike (≤ 1e-3 of the update)`, async (t) => {
      if (skipped(t)) return;
      const config: ModelConfig = { arch, technique, temperature: 0.1 };
      const model = buildTrainingModel(config);
      const specs = headParams(model.heads);
      // random kernels, batch norm (encoder and heads) far from identity: γ, β, moving mean and variance
      const encoder = randomWeights(model.graph, 5);
      const heads = perturbBatchNorm(initParams(specs, 6), specs, 7);
      const start = flattenWeights(model.layout, { ...encoder, ...heads });
      const pairs = 8;
      const a = await tileBatch(images.slice(0, pairs), SIZE, testStats);
      const b = flipHorizontal(a, pairs, SIZE);
      const views = new Float32Array(a.length * 2);
      views.set(a, 0);
      views.set(b, a.length);
      // a warm-up towards the default learning rate (0.0125 at batch 64); the larger the steps, the more the
      // float32 rounding of step k−1's state is amplified in step k's gradient (lr 0.005–0.0125: 5e-4 at step 3)
      const lrs = [0.002, 0.004, 0.005];
      const optimizer = { kind: 'sgd' as const, momentum: 0.9, weightDecay: 5e-4 };

      const base = { model, config, views, pairs, size: SIZE, optimizer };
      const job = async () => mkdtemp(path.join(root, 'sgd-'));
      const freeRunning = async () => torchSgdSteps(await job(), { ...base, init: { ...encoder, ...heads }, lrs });
      const [tfjs, free] = await Promise.all([
        tfjsSgdSteps(config, model, start, { a, b, n: pairs, size: SIZE }, lrs, optimizer),
        freeRunning(),
      ]);
      const forced = await Promise.all(
        lrs.slice(1).map(async (lr, i) =>
          torchSgdSteps(await job(), {
            ...base,
            init: { ...unflattenWeights(model.layout, tfjs.params[i + 1]), ...tfjs.slots[i + 1] },
            lrs: [lr],
          }),
        ),
      );
      // torch after step k from tfjs's state after step k−1 (step 1: the common start)
      const torch = [free.params[0], ...forced.map((f) => f.params[0])];
      const torchLosses = [free.losses[0], ...forced.map((f) => f.losses[0])];

      const trainable = model.layout.segments.filter((s) => s.spec.trainable);
      const stats = model.layout.segments.filter((s) => !s.spec.trainable);
      const norm = (segs: typeof trainable, f: (i: number) => number) => {
        let sum = 0;
        for (const s of segs) for (let i = s.offset; i < s.offset + s.size; i++) sum += f(i) ** 2;
        return Math.sqrt(sum);
      };
      const weightNorm = norm(trainable, (i) => start[i]);
      for (let k = 1; k <= lrs.length; k++) {
        const before = tfjs.params[k - 1];
        const [after, other, loose] = [tfjs.params[k], torch[k - 1], free.params[k - 1]];
        const update = norm(trainable, (i) => after[i] - before[i]);
        const gap = norm(trainable, (i) => after[i] - other[i]);
        const freeGap = norm(
          trainable,
          (i) => after[i] - before[i] - (loose[i] - (k > 1 ? free.params[k - 2][i] : start[i])),
        );
        t.diagnostic(
          `step ${k}: loss tfjs ${tfjs.losses[k - 1].toFixed(6)} torch ${torchLosses[k - 1].toFixed(6)}; ` +
            `‖Δw‖ ${update.toExponential(3)} (‖w‖ ${weightNorm.toExponential(3)}), ` +
            `‖Δw_tfjs − Δw_torch‖/‖Δw_tfjs‖ ${(gap / update).toExponential(2)} ` +
            `(free-running torch: ${(freeGap / update).toExponential(2)})`,
        );
        // far from 0: > 100× the float32 rounding of the weights themselves (≈ 6e-8·‖w‖)
        assert.ok(update > 1e-5 * weightNorm, `step ${k} moved the weights (‖Δw‖ ${update})`);
        assert.ok(gap <= 1e-3 * update, `step ${k}: update mismatch ${gap / update} of its norm`);
        const lossGap = Math.abs(tfjs.losses[k - 1] - torchLosses[k - 1]);
        assert.ok(lossGap <= 1e-4 * Math.abs(tfjs.losses[k - 1]) + 1e-5, `step ${k}: losses differ by ${lossGap}`);
      }
      if (stats.length > 0) {
        const last = lrs.length;
        const [before, after, other] = [tfjs.params[last - 1], tfjs.params[last], torch[last - 1]];
        const moved = norm(stats, (i) => after[i] - before[i]);
        const gap = norm(stats, (i) => after[i] - other[i]);
        const total = norm(stats, (i) => after[i] - start[i]);
        t.diagnostic(
          `moving statistics after step ${last}: ‖tfjs − torch‖ ${gap.toExponential(2)}; ` +
            `changed by ${moved.toExponential(3)} in the step, ${total.toExponential(3)} since the start`,
        );
        assert.ok(moved > 1e-3 * norm(stats, (i) => start[i]), 'the step moved the moving statistics');
        assert.ok(gap <= 1e-3 * moved, `moving statistics differ by ${gap / moved} of their change`);
      }
    });
  }

  it('rejects bad sgd-steps jobs with a clear error (exit code 2, nothing written)', async (t) => {
    if (skipped(t)) return;
    const config: ModelConfig = { arch: smallCnn, technique: 'simsiam' };
    const model = buildTrainingModel(config);
    const init = { ...randomWeights(model.graph, 1), ...initParams(headParams(model.heads), 2) };
    const missingGraph = async () => {
      const job = await mkdtemp(path.join(root, 'bad-'));
      await writeFile(path.join(job, 'job.json'), JSON.stringify({ technique: 'simclr' }));
      await assert.rejects(
        runTorch('sgd-steps', job),
        (e: Error) => e instanceof TorchRunError && e.exitCode === 2 && /lacks the field graph/.test(e.message),
      );
      return job;
    };
    const shortViews = async () => {
      const job = await mkdtemp(path.join(root, 'bad-'));
      const views = new Float32Array(2 * 2 * 16 * 16 * 3 - 1);
      const steps = torchSgdSteps(job, {
        model,
        config,
        init,
        views,
        pairs: 2,
        size: 16,
        lrs: [0.01],
        optimizer: { momentum: 0.9, weightDecay: 5e-4 },
      });
      await assert.rejects(
        steps,
        (e: Error) =>
          e instanceof TorchRunError && e.exitCode === 2 && /holds 3071 floats.*"field": "views"/.test(e.message),
      );
      return job;
    };
    for (const job of await Promise.all([missingGraph(), shortViews()]))
      assert.equal(existsSync(path.join(job, 'out')), false, 'nothing written');
  });
});
