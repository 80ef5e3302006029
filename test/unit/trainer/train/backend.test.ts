import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN } from '../../../../services/trainer/kernels/index.js';
import { initBackend, type BackendKind, trainErrorCodes } from '../../../../services/trainer/train/index.js';

describe('initBackend', () => {
  it('starts wasm with the project kernels, and cpu', async () => {
    assert.equal(await initBackend('wasm'), 'wasm');
    assert.ok(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'missing wasm kernel registered');
    assert.ok(tf.getKernel(BATCH_NORM_TRAIN, 'wasm'));
    assert.equal(await initBackend('cpu'), 'cpu');
    assert.ok(tf.getKernel(BATCH_NORM_TRAIN, 'cpu'));
    assert.equal(await initBackend('wasm'), 'wasm', 'switching back works (wasm already initialised)');
  });

  it('reports webgpu as unavailable (no packages / no GPU here) and leaves the active backend alone', async () => {
    await initBackend('wasm');
    await assert.rejects(
      initBackend('webgpu'),
      (e: Error & { code?: string; retriable?: boolean }) =>
        e.code === trainErrorCodes.backendUnavailable && e.retriable === false,
    );
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('rejects wasm threads and unknown kinds', async () => {
    await assert.rejects(initBackend('wasm', { threads: 2 }), /single-threaded/);
    await assert.rejects(initBackend('wasm', { threads: 0 }), /positive integer/);
    await assert.rejects(initBackend('tpu' as BackendKind), /unknown backend/);
  });
});
