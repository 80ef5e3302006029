import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { ValidationError } from '../../../../shared/errors/index.js';
import {
  buildEncoderGraph,
  resnet18Half,
  smallCnn,
  type EncoderArch,
  type WeightMap,
} from '../../../../shared/model/encoder/index.js';
import { exportOnnx, readOnnxModel, onnxErrorCodes } from '../../../../shared/model/onnx/index.js';
import { randomInput, randomWeights } from '../../../support/random-weights.js';
import { referenceForward } from '../../../support/reference-forward.js';

const SIZE = 32;

async function runOnnx(
  bytes: Uint8Array,
  input: Float32Array,
  n: number,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', input, [n, SIZE, SIZE, 3]) });
    return { data: out.embedding.data as Float32Array, dims: out.embedding.dims };
  } finally {
    await session.release();
  }
}

/** max |onnx − reference| over a batch, the reference being the float64 NHWC interpreter of the graph */
function maxDiffToReference(
  arch: EncoderArch,
  weights: WeightMap,
  input: Float32Array,
  n: number,
  onnx: Float32Array,
): number {
  const graph = buildEncoderGraph(arch);
  const per = SIZE * SIZE * 3;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const ref = referenceForward(graph, weights, input.subarray(i * per, (i + 1) * per), SIZE);
    for (let j = 0; j < graph.embeddingDim; j++)
      max = Math.max(max, Math.abs(ref[j] - onnx[i * graph.embeddingDim + j]));
  }
  return max;
}

describe('exportOnnx', () => {
  for (const [label, arch] of [
    ['smallCnn', smallCnn],
    ['resnet18Half', resnet18Half],
  ] as const) {
    it(`${label}: runs in onnxruntime and matches the float64 graph interpreter (batch 1 and 5)`, async () => {
      const graph = buildEncoderGraph(arch);
      const weights = randomWeights(graph, 7);
      const bytes = exportOnnx(graph, weights, { inputSize: SIZE });
      for (const n of [1, 5]) {
        const input = randomInput(n, SIZE, 11 + n);
        const out = await runOnnx(bytes, input, n);
        assert.deepEqual(out.dims, [n, graph.embeddingDim]);
        assert.ok(maxDiffToReference(arch, weights, input, n, out.data) <= 1e-5);
        for (let i = 0; i < n; i++) {
          const norm = Math.hypot(...out.data.subarray(i * graph.embeddingDim, (i + 1) * graph.embeddingDim));
          assert.ok(Math.abs(norm - 1) < 1e-5, `row ${i} norm ${norm}`);
        }
      }
    });
  }

  it('folded batch norm, BatchNormalization nodes and opset 18 give the same embeddings', async () => {
    const graph = buildEncoderGraph(resnet18Half);
    const weights = randomWeights(graph, 3);
    const input = randomInput(2, SIZE, 5);
    const folded = exportOnnx(graph, weights, { inputSize: SIZE });
    const unfolded = exportOnnx(graph, weights, { inputSize: SIZE, foldBatchNorm: false });
    const opset18 = exportOnnx(graph, weights, { inputSize: SIZE, opset: 18 });
    assert.ok(!readOnnxModel(folded).ops.includes('BatchNormalization'));
    assert.equal(readOnnxModel(unfolded).ops.filter((op) => op === 'BatchNormalization').length, 20);
    assert.equal(readOnnxModel(opset18).opset, 18);
    const a = (await runOnnx(folded, input, 2)).data;
    for (const other of [unfolded, opset18]) {
      const b = (await runOnnx(other, input, 2)).data;
      assert.ok(a.every((v, i) => Math.abs(v - b[i]) <= 1e-5));
    }
  });

  it('declares a dynamic batch NHWC input, the embedding output and the metadata', () => {
    const graph = buildEncoderGraph(smallCnn);
    const info = readOnnxModel(
      exportOnnx(graph, randomWeights(graph, 1), { inputSize: 48, producer: 'test', metadata: { checkpoint: 'abc' } }),
    );
    assert.deepEqual(info.inputs, [{ name: 'input', dims: ['N', 48, 48, 3] }]);
    assert.deepEqual(info.outputs, [{ name: 'embedding', dims: ['N', 64] }]);
    assert.equal(info.opset, 17);
    assert.equal(info.irVersion, 8);
    assert.equal(info.producer, 'test');
    assert.deepEqual(info.metadata, { checkpoint: 'abc' });
    assert.equal(info.ops[0], 'Transpose');
    assert.deepEqual(info.initializers.find((t) => t.name === 'conv1/weight')?.dims, [16, 3, 3, 3]);
  });

  it('keeps a zero feature vector at zero instead of NaN (epsilon clamp)', async () => {
    const graph = buildEncoderGraph(smallCnn);
    const weights = randomWeights(graph, 2);
    // a last-layer bias far below zero makes every ReLU output 0, hence a zero pooled vector
    weights['conv3/bias'].data.fill(-1e6);
    const out = await runOnnx(exportOnnx(graph, weights, { inputSize: SIZE }), randomInput(1, SIZE, 1), 1);
    assert.ok(out.data.every((v) => v === 0));
  });

  it('names the parameter when weights are missing, mis-shaped, mis-sized or non-finite', () => {
    const graph = buildEncoderGraph(resnet18Half);
    const good = randomWeights(graph, 1);
    const cases: Array<[string, (w: WeightMap) => void, RegExp]> = [
      ['missing', (w) => delete w['layer2.0.down/kernel'], /"layer2\.0\.down\/kernel" is missing/],
      [
        'shape',
        (w) => (w['stem/kernel'] = { shape: [3, 3, 3, 32], data: new Float32Array(3 * 3 * 3 * 32) }),
        /"stem\/kernel" has shape \[3,3,3,32\], expected \[7, 7, 3, 32\]/,
      ],
      [
        'length',
        (w) => (w['stem_bn/gamma'] = { shape: [32], data: new Float32Array(31) }),
        /"stem_bn\/gamma" has 31 values/,
      ],
      [
        'nan',
        (w) => (w['layer1.0.conv1/kernel'].data[5] = Number.NaN),
        /"layer1\.0\.conv1\/kernel" holds a non-finite value at index 5/,
      ],
      ['variance', (w) => (w['layer4.1.conv2_bn/moving_variance'].data[0] = -1), /negative variance/],
    ];
    for (const [label, mutate, message] of cases) {
      const weights: WeightMap = Object.fromEntries(
        Object.entries(good).map(([k, v]) => [k, { shape: [...v.shape], data: v.data.slice() }]),
      );
      mutate(weights);
      assert.throws(
        () => exportOnnx(graph, weights, { inputSize: SIZE }),
        (e: unknown) => e instanceof ValidationError && message.test(e.message),
        label,
      );
    }
    assert.throws(() => exportOnnx(graph, good, { inputSize: 0 }), ValidationError);
    assert.throws(() => exportOnnx(graph, good, { inputSize: SIZE, opset: 11 }), ValidationError);
  });

  it('refuses bytes that are not an ONNX model', () => {
    assert.throws(() => readOnnxModel(new Uint8Array([0xff, 0xff, 0xff, 0x01])), /MODEL|not an ONNX model/);
    assert.throws(
      () => readOnnxModel(new TextEncoder().encode('hello world')),
      (e: unknown) => e instanceof Error && 'code' in e && e.code === onnxErrorCodes.modelInvalid,
    );
  });
});
