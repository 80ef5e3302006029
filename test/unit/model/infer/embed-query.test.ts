import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError, ValidationError, errorCodes } from '../../../../shared/errors/index.js';
import { saveCheckpoint } from '../../../../shared/model/checkpoint/index.js';
import { buildEncoderGraph, initWeights, resnet18Half } from '../../../../shared/model/encoder/index.js';
import {
  createDecodePool,
  createImageEmbedder,
  createOrtEncoder,
  openQueryEmbedder,
  prepareModel,
  type QueryEmbedder,
} from '../../../../shared/model/infer/index.js';
import { description } from '../../../support/checkpoint-fixtures.js';
import { corruptJpeg, l2, readTiles } from '../../../support/model-fixtures.js';

/** Query images must land in the same space, bit for bit, as the embedder's vectors of the same bytes. */
describe('openQueryEmbedder', () => {
  let scratch: string;
  let checkpoint: string;
  let modelId: string;
  let tiles: Uint8Array[];
  let query: QueryEmbedder;

  before(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'embed-query-'));
    checkpoint = path.join(scratch, 'ckpt');
    const meta = await saveCheckpoint(checkpoint, {
      weights: initWeights(buildEncoderGraph(resnet18Half), 3),
      meta: description(resnet18Half, { technique: 'random', input_size: 48 }),
    });
    modelId = meta.id;
    tiles = await readTiles();
    query = await openQueryEmbedder({ checkpoint, expectModelId: modelId, intraOpThreads: 1 });
  });
  after(async () => {
    await query.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('gives exactly the vectors the embedder path (decode pool, batches of 32) stores', async () => {
    const model = await prepareModel({ checkpoint });
    const encoder = await createOrtEncoder(model.onnx, { intraOpThreads: 1 });
    const pool = await createDecodePool({ workers: 1, inputSize: model.inputSize, stats: model.stats });
    try {
      const stored = await createImageEmbedder({ encoder, pool, batchSize: 32 }).embed(tiles);
      const got = await query.embed(tiles.map((bytes, i) => ({ label: `tile ${i}`, bytes })));
      assert.equal(query.modelId, modelId);
      assert.equal(query.embeddingDim, model.embeddingDim);
      assert.equal(got.length, tiles.length);
      got.forEach((v, i) => {
        assert.deepEqual(v, stored[i], `tile ${i}`);
        assert.ok(Math.abs(l2(v) - 1) < 1e-5);
      });
      // not vacuous: different images give different vectors
      assert.notDeepEqual(got[0], got[1]);
    } finally {
      await pool.close();
      await encoder.close();
    }
  });

  it('embeds nothing for no images', async () => {
    assert.deepEqual(await query.embed([]), []);
  });

  it('refuses an undecodable image as bad input naming it, and keeps working', async () => {
    await assert.rejects(
      query.embed([
        { label: 'good.jpg', bytes: tiles[0] },
        { label: 'upload.jpg', bytes: corruptJpeg },
      ]),
      (error: unknown) =>
        error instanceof ValidationError &&
        error.code === errorCodes.undecodable &&
        /upload\.jpg is not a decodable JPEG\/PNG image/.test(error.message),
    );
    assert.equal((await query.embed([{ label: 'again', bytes: tiles[1] }])).length, 1);
  });

  it('refuses a checkpoint that is not the collection’s model', async () => {
    await assert.rejects(
      openQueryEmbedder({ checkpoint, expectModelId: 'ckpt-20000101000000-000000000000' }),
      (error: unknown) =>
        error instanceof ValidationError &&
        /is model ckpt-.* but the collection was embedded with ckpt-2000/.test(error.message),
    );
  });

  it('fails clearly once closed', async () => {
    const closing = await openQueryEmbedder({ checkpoint, intraOpThreads: 1 });
    await closing.close();
    await assert.rejects(
      closing.embed([{ label: 'x', bytes: tiles[0] }]),
      (error: unknown) => error instanceof AppError,
    );
  });
});
