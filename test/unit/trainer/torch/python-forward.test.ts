/**
 * A first parity case: with the same random weights (batch-norm statistics far from identity), Python's
 * graph interpretation embeds a fixed NHWC input like the ONNX export run by onnxruntime (≤ 1e-4).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { buildEncoderGraph } from '../../../../shared/model/encoder/index.js';
import { exportOnnx } from '../../../../shared/model/onnx/index.js';
import { randomInput, randomWeights } from '../../../support/random-weights.js';
import { runPython, tinyArch, writeWeights } from './python-job-fixtures.js';

const SIZE = 32;
const N = 3;

describe('python gibs_embed_torch forward', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'torch-forward-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('embeds like the ONNX export of the same weights (max abs diff <= 1e-4)', async () => {
    const graph = buildEncoderGraph(tinyArch);
    const weights = randomWeights(graph, 11);
    const input = randomInput(N, SIZE, 5);
    await writeWeights(path.join(root, 'weights'), tinyArch, weights);
    await writeFile(path.join(root, 'input.f32'), new Uint8Array(input.buffer));
    await writeFile(
      path.join(root, 'job.json'),
      JSON.stringify({
        graph,
        weights: { weights: 'weights/weights.bin', manifest: 'weights/weights.json' },
        input: { file: 'input.f32', shape: [N, SIZE, SIZE, 3] },
        threads: 1,
      }),
    );
    const run = await runPython(['forward', '--job', root]);
    assert.equal(run.code, 0, run.stderr);
    const shape = (JSON.parse(await readFile(path.join(root, 'out', 'embedding.json'), 'utf8')) as { shape: number[] })
      .shape;
    assert.deepEqual(shape, [N, graph.embeddingDim]);
    const bytes = await readFile(path.join(root, 'out', 'embedding.f32'));
    const torchOut = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);

    const session = await ort.InferenceSession.create(exportOnnx(graph, weights, { inputSize: SIZE }));
    try {
      const result = await session.run({ input: new ort.Tensor('float32', input, [N, SIZE, SIZE, 3]) });
      const onnxOut = result.embedding.data as Float32Array;
      assert.equal(onnxOut.length, torchOut.length);
      let maxDiff = 0;
      for (let i = 0; i < onnxOut.length; i++) maxDiff = Math.max(maxDiff, Math.abs(onnxOut[i] - torchOut[i]));
      assert.ok(maxDiff <= 1e-4, `max abs diff ${maxDiff}`);
      // not vacuous: rows are unit vectors and differ from each other
      const d = graph.embeddingDim;
      for (let r = 0; r < N; r++) {
        let sq = 0;
        for (let j = 0; j < d; j++) sq += torchOut[r * d + j] ** 2;
        assert.ok(Math.abs(Math.sqrt(sq) - 1) < 1e-5);
      }
      let rowDiff = 0;
      for (let j = 0; j < d; j++) rowDiff = Math.max(rowDiff, Math.abs(torchOut[j] - torchOut[d + j]));
      assert.ok(rowDiff > 1e-2, `rows 0 and 1 are nearly equal (${rowDiff})`);
    } finally {
      await session.release();
    }
  });

  it('refuses an input file of the wrong length with exit code 2', async () => {
    await writeFile(path.join(root, 'input.f32'), new Uint8Array(40));
    const run = await runPython(['forward', '--job', root]);
    assert.equal(run.code, 2);
    assert.equal(run.events.at(-1)?.field, 'input');
  });
});
