import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { AppError, errorCodes } from '../../../../shared/errors/index.js';
import { cropOffsets, cutScene, iterateSceneCrops } from '../../../../services/trainer/data/index.js';
import { decodeToTensor } from '../../../../shared/model/image/index.js';
import { kit, meanAbsDiff, tiles } from '../../../support/data-kit.js';

describe('cropOffsets', () => {
  it('places squares flush with both ends, about one stride apart', () => {
    assert.deepEqual(cropOffsets(512, 512, 512), [0]);
    assert.deepEqual(cropOffsets(2048, 512, 512), [0, 512, 1024, 1536]);
    assert.deepEqual(cropOffsets(600, 512, 512), [44]); // one centred square: the 88 px remainder is < half a stride
    assert.deepEqual(cropOffsets(1800, 512, 512), [0, 429, 859, 1288]);
    assert.deepEqual(cropOffsets(1024, 512, 256), [0, 256, 512]);
    assert.deepEqual(cropOffsets(200, 512, 512), [0]);
  });
});

describe('cutScene', () => {
  it('a 512 px tile gives one image, equal to decodeToTensor', async () => {
    const bytes = await readFile(tiles.geo11);
    const crops = await cutScene(bytes, { outSize: 32 });
    assert.equal(crops.length, 1);
    assert.deepEqual(crops[0], await decodeToTensor(bytes, 32));
  });

  it('a scene smaller than a tile (256 px Blue Marble) gives one image resized', async () => {
    const crops = await cutScene(await readFile(tiles.marble(1, 0, 1)), { outSize: 64 });
    assert.equal(crops.length, 1);
    assert.equal(crops[0].length, 64 * 64 * 3);
  });

  it('cuts the 3996x1998 global mosaic into 8 x 4 tile-sized squares, row by row', async () => {
    const bytes = await readFile(tiles.modisMosaic);
    const crops: { x: number; y: number; side: number; image: Float32Array }[] = [];
    for await (const crop of iterateSceneCrops(bytes, { outSize: 16 })) crops.push(crop);
    assert.equal(crops.length, 32);
    assert.deepEqual(
      crops.slice(0, 9).map((c) => [c.x, c.y]),
      [
        [0, 0],
        [498, 0],
        [995, 0],
        [1493, 0],
        [1991, 0],
        [2489, 0],
        [2986, 0],
        [3484, 0],
        [0, 495],
      ],
    );
    assert.ok(crops.every((c) => c.side === 512 && c.image.length === 16 * 16 * 3));
    // the first square is the top-left 512 px of the scene
    const reference = await decodeToTensor(
      await sharp(bytes).extract({ left: 0, top: 0, width: 512, height: 512 }).png().toBuffer(),
      16,
    );
    assert.ok(
      meanAbsDiff(crops[0].image, reference) < 0.01,
      `first crop vs top-left 512 px: ${meanAbsDiff(crops[0].image, reference)}`,
    );
  });

  it('cuts a tall phenomenon example (221x673) into squares of its short side', async () => {
    const crops = [];
    for await (const crop of iterateSceneCrops(await readFile(kit('labeled/high_latitude_dust/hld_sample.jpg')), {
      outSize: 16,
    }))
      crops.push(crop);
    assert.deepEqual(
      crops.map((c) => [c.x, c.y, c.side]),
      [
        [0, 0, 221],
        [0, 226, 221],
        [0, 452, 221],
      ],
    );
  });

  it('refuses undecodable bytes and bad options', async () => {
    await assert.rejects(
      cutScene(new Uint8Array([1, 2, 3]), { outSize: 16 }),
      (e: unknown) => e instanceof AppError && e.code === errorCodes.undecodable,
    );
    await assert.rejects(cutScene(await readFile(tiles.geo10), { outSize: 0 }), /outSize/);
    await assert.rejects(cutScene(await readFile(tiles.geo10), { outSize: 16, stride: -1 }), /stride/);
  });
});
