import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError, ValidationError, errorCodes } from '../../../../shared/errors/index.js';
import { createDecodePool, preprocessImage, inferErrorCodes } from '../../../../shared/model/infer/index.js';
import { corruptJpeg, readTiles, testStats } from '../../../support/model-fixtures.js';

const SIZE = 64;

describe('createDecodePool', () => {
  it('decodes real tiles on 2 worker threads exactly as the single-thread decode does', async () => {
    const tiles = await readTiles();
    const expected = await Promise.all(tiles.map((t) => preprocessImage(t, SIZE, testStats)));
    const pool = await createDecodePool({ workers: 2, inputSize: SIZE, stats: testStats });
    try {
      assert.equal(pool.workers, 2);
      // twice the list, all at once, to exercise queueing across both workers
      const decoded = await Promise.all([...tiles, ...tiles].map((t) => pool.decode(t)));
      decoded.forEach((tensor, i) => {
        assert.equal(tensor.length, SIZE * SIZE * 3);
        assert.deepEqual(tensor, expected[i % tiles.length]);
      });
      // the caller's bytes are copied to the worker, never detached
      assert.ok(tiles.every((t) => t.byteLength > 0));
    } finally {
      await pool.close();
    }
  });

  it('rejects an undecodable image with UNDECODABLE and keeps decoding the others', async () => {
    const [good] = await readTiles();
    const pool = await createDecodePool({ workers: 2, inputSize: SIZE, stats: testStats });
    try {
      const results = await Promise.allSettled([
        pool.decode(good),
        pool.decode(corruptJpeg),
        pool.decode(new Uint8Array(0)),
        pool.decode(good),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
      );
      for (const r of results) {
        if (r.status === 'rejected') {
          assert.ok(r.reason instanceof AppError, 'an AppError crosses the thread boundary');
          assert.equal(r.reason.code, errorCodes.undecodable);
          assert.equal(r.reason.retriable, false);
        }
      }
    } finally {
      await pool.close();
    }
  });

  it('drains queued work on close, then refuses new work', async () => {
    const tiles = await readTiles();
    const pool = await createDecodePool({ workers: 1, inputSize: 32, stats: testStats });
    const inFlight = tiles.map((t) => pool.decode(t));
    await pool.close();
    const done = await Promise.all(inFlight);
    assert.equal(done.length, tiles.length);
    await assert.rejects(
      pool.decode(tiles[0]),
      (e: unknown) => e instanceof AppError && e.code === inferErrorCodes.decodePoolClosed,
    );
  });

  it('decodes inline with workers: 0 and validates its options', async () => {
    const [tile] = await readTiles();
    const pool = await createDecodePool({ workers: 0, inputSize: SIZE, stats: testStats });
    assert.deepEqual(await pool.decode(tile), await preprocessImage(tile, SIZE, testStats));
    await pool.close();
    await assert.rejects(createDecodePool({ workers: -1, inputSize: SIZE, stats: testStats }), ValidationError);
    await assert.rejects(createDecodePool({ workers: 1, inputSize: 0, stats: testStats }), ValidationError);
  });
});
