import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ValidationError, errorCodes } from '../../../../shared/errors/index.js';
import { buildEncoderGraph, resnet18Half } from '../../../../shared/model/encoder/index.js';
import {
  createDecodePool,
  createImageEmbedder,
  createOrtEncoder,
  preprocessImage,
  type DecodePool,
  type OrtEncoder,
  inferErrorCodes,
} from '../../../../shared/model/infer/index.js';
import { exportOnnx } from '../../../../shared/model/onnx/index.js';
import { randomWeights } from '../../../support/random-weights.js';
import { corruptJpeg, l2, maxAbsDiff, readTiles, testStats } from '../../../support/model-fixtures.js';

const SIZE = 64;

describe('createImageEmbedder', () => {
  let encoder: OrtEncoder;
  let pool: DecodePool;
  let tiles: Uint8Array[];
  let expected: Float32Array[];

  before(async () => {
    const graph = buildEncoderGraph(resnet18Half);
    encoder = await createOrtEncoder(exportOnnx(graph, randomWeights(graph, 21), { inputSize: SIZE }), {
      intraOpThreads: 1,
    });
    pool = await createDecodePool({ workers: 2, inputSize: SIZE, stats: testStats });
    tiles = await readTiles();
    // the oracle: single-thread decode, one image per encoder call
    expected = [];
    for (const t of tiles) expected.push((await encoder.embedTensor(await preprocessImage(t, SIZE, testStats), 1))[0]);
  });
  after(async () => {
    await pool.close();
    await encoder.close();
  });

  for (const batchSize of [1, 3, 32]) {
    it(`batch ${batchSize}: one unit vector per real tile, in order, equal to one-by-one embedding`, async () => {
      const results = await createImageEmbedder({ encoder, pool, batchSize }).embed(tiles);
      assert.equal(results.length, tiles.length);
      results.forEach((r, i) => {
        assert.ok(r instanceof Float32Array, `image ${i}`);
        assert.equal(r.length, 256);
        assert.ok(Math.abs(l2(r) - 1) < 1e-5);
        assert.ok(maxAbsDiff(r, expected[i]) < 1e-5, `image ${i}`);
      });
    });
  }

  it('gives a bad image its own AppError and still embeds the others', async () => {
    const images = [tiles[0], corruptJpeg, tiles[1], new TextEncoder().encode('<html>oops</html>'), tiles[2]];
    const results = await createImageEmbedder({ encoder, pool, batchSize: 2 }).embed(images);
    assert.ok(results[1] instanceof AppError && results[1].code === errorCodes.undecodable);
    assert.ok(results[3] instanceof AppError && results[3].code === errorCodes.undecodable);
    for (const [i, k] of [
      [0, 0],
      [2, 1],
      [4, 2],
    ]) {
      const r = results[i];
      assert.ok(r instanceof Float32Array);
      assert.ok(maxAbsDiff(r, expected[k]) < 1e-5);
    }
    assert.deepEqual(await createImageEmbedder({ encoder, pool, batchSize: 2 }).embed([]), []);
  });

  it('rejects the whole call when the encoder fails (not the images fault)', async () => {
    const failing = {
      inputSize: SIZE,
      embedTensor: async () => {
        throw new AppError(inferErrorCodes.inferenceFailed, 'boom', { retriable: false });
      },
    };
    await assert.rejects(createImageEmbedder({ encoder: failing, pool, batchSize: 2 }).embed(tiles), /boom/);
    // the pool is still healthy afterwards
    assert.equal((await pool.decode(tiles[0])).length, SIZE * SIZE * 3);
  });

  it('refuses a pool and an encoder of different sizes, and a bad batch size', async () => {
    const small = await createDecodePool({ workers: 0, inputSize: 32, stats: testStats });
    assert.throws(() => createImageEmbedder({ encoder, pool: small, batchSize: 4 }), ValidationError);
    assert.throws(() => createImageEmbedder({ encoder, pool, batchSize: 0 }), ValidationError);
    await small.close();
  });
});
