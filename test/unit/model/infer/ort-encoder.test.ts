import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { AppError, ValidationError } from '../../../../shared/errors/index.js';
import { buildEncoderGraph, smallCnn } from '../../../../shared/model/encoder/index.js';
import { createOrtEncoder, inferErrorCodes } from '../../../../shared/model/infer/index.js';
import { exportOnnx, onnxErrorCodes } from '../../../../shared/model/onnx/index.js';
import { randomInput, randomWeights } from '../../../support/random-weights.js';
import { capturingLogger, l2, maxAbsDiff } from '../../../support/model-fixtures.js';

const SIZE = 40;
const graph = buildEncoderGraph(smallCnn);
const model = exportOnnx(graph, randomWeights(graph, 4), { inputSize: SIZE });

describe('createOrtEncoder', () => {
  it('reads the signature from the model and embeds batches of 1 and 5 like a raw session', async () => {
    const encoder = await createOrtEncoder(model, { intraOpThreads: 1 });
    const raw = await ort.InferenceSession.create(model);
    try {
      assert.equal(encoder.provider, 'cpu');
      assert.equal(encoder.inputSize, SIZE);
      assert.equal(encoder.embeddingDim, 64);
      for (const n of [1, 5]) {
        const input = randomInput(n, SIZE, n);
        const rows = await encoder.embedTensor(input, n);
        const expected = (await raw.run({ input: new ort.Tensor('float32', input, [n, SIZE, SIZE, 3]) })).embedding
          .data as Float32Array;
        assert.equal(rows.length, n);
        rows.forEach((row, i) => {
          assert.equal(row.length, 64);
          assert.ok(Math.abs(l2(row) - 1) < 1e-5);
          assert.ok(maxAbsDiff(row, expected.subarray(i * 64, (i + 1) * 64)) < 1e-6);
        });
      }
    } finally {
      await encoder.close();
      await raw.release();
    }
  });

  it('refuses an input whose length does not match n images', async () => {
    const encoder = await createOrtEncoder(model);
    try {
      await assert.rejects(encoder.embedTensor(new Float32Array(SIZE * SIZE * 3 * 2 - 1), 2), ValidationError);
      await assert.rejects(encoder.embedTensor(new Float32Array(0), 0), ValidationError);
    } finally {
      await encoder.close();
    }
    await assert.rejects(
      encoder.embedTensor(new Float32Array(SIZE * SIZE * 3), 1),
      (e: unknown) => e instanceof AppError && e.code === inferErrorCodes.encoderClosed,
    );
  });

  it('turns malformed or truncated ONNX bytes into MODEL_INVALID', async () => {
    for (const bytes of [
      new Uint8Array([1, 2, 3, 4, 5]),
      model.subarray(0, model.length >> 1),
      new TextEncoder().encode('not a model'),
    ]) {
      await assert.rejects(
        createOrtEncoder(bytes),
        (e: unknown) => e instanceof AppError && e.code === onnxErrorCodes.modelInvalid && !e.retriable,
      );
    }
    await assert.rejects(createOrtEncoder(model, { intraOpThreads: 0 }), ValidationError);
  });

  it('falls back to CPU with a warning when a requested GPU provider cannot start', async () => {
    const { log, records } = capturingLogger();
    const encoder = await createOrtEncoder(model, { executionProviders: ['cuda', 'webgpu', 'cpu'], log });
    try {
      // on a machine with a working GPU provider this is 'cuda' or 'webgpu'; without one it must be 'cpu' plus warnings
      if (encoder.provider === 'cpu') {
        const warned = records.filter((r) => r.level === 40).map((r) => r.provider);
        assert.deepEqual(warned, ['cuda', 'webgpu']);
      }
      const rows = await encoder.embedTensor(randomInput(2, SIZE, 9), 2);
      assert.ok(rows.every((r) => Math.abs(l2(r) - 1) < 1e-5));
    } finally {
      await encoder.close();
    }
  });
});
