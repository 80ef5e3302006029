import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeToTensor, normalize } from '../../../../shared/model/image/index.js';
import {
  buildEncoderGraph,
  initWeights,
  resnet18Half,
  smallCnn,
  type WeightMap,
} from '../../../../shared/model/encoder/index.js';
import { createTfjsEncoder } from '../../../../services/trainer/tfjs/index.js';
import { createOrtEncoder } from '../../../../shared/model/infer/index.js';
import { exportOnnx } from '../../../../shared/model/onnx/index.js';
import { initBackend } from '../../../../services/trainer/train/backend.js';
import { l2, maxAbsDiff, readTiles, testStats } from '../../../support/model-fixtures.js';
import { randomWeights } from '../../../support/random-weights.js';

/** Real tiles decoded by the data module and normalised, back to back: the encoder's NHWC input. */
async function tileBatch(size: number): Promise<{ input: Float32Array; n: number }> {
  const tensors = await Promise.all(
    (await readTiles()).map(async (bytes) => normalize(await decodeToTensor(bytes, size), testStats)),
  );
  const input = new Float32Array(tensors.length * size * size * 3);
  tensors.forEach((t, i) => input.set(t, i * t.length));
  return { input, n: tensors.length };
}

describe('ONNX export equals the tfjs (wasm) encoder on real tiles', () => {
  before(async () => {
    await initBackend('wasm');
  });

  const cases: Array<[string, typeof smallCnn, number, (g: ReturnType<typeof buildEncoderGraph>) => WeightMap]> = [
    ['smallCnn, initWeights', smallCnn, 64, (g) => initWeights(g, 1)],
    ['resnet18Half, initWeights', resnet18Half, 64, (g) => initWeights(g, 2)],
    // batch-norm statistics far from identity, so folding is really checked against tfjs's batch norm
    ['resnet18Half, random BN statistics', resnet18Half, 64, (g) => randomWeights(g, 3)],
    ['resnet18Half at 128 px', resnet18Half, 128, (g) => randomWeights(g, 4)],
  ];
  for (const [label, arch, size, weightsFor] of cases) {
    it(`${label}: max abs diff ≤ 1e-4, unit norm`, async (t) => {
      const graph = buildEncoderGraph(arch);
      const weights = weightsFor(graph);
      const { input, n } = await tileBatch(size);
      const tfjs = createTfjsEncoder(graph, weights);
      const ort = await createOrtEncoder(exportOnnx(graph, weights, { inputSize: size }), { intraOpThreads: 1 });
      try {
        const expected = await tfjs.embed(input, n, size);
        const actual = await ort.embedTensor(input, n);
        assert.equal(actual.length, n);
        let worst = 0;
        actual.forEach((row, i) => {
          worst = Math.max(worst, maxAbsDiff(row, expected[i]));
          assert.ok(Math.abs(l2(row) - 1) < 1e-5);
        });
        t.diagnostic(`max abs diff ${worst.toExponential(2)}`);
        assert.ok(worst <= 1e-4, `max abs diff ${worst}`);
        // the comparison is not vacuous: different tiles give clearly different vectors
        assert.ok(maxAbsDiff(actual[0], actual[4]) > 1e-3);
      } finally {
        tfjs.dispose();
        await ort.close();
      }
    });
  }
});
