import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError, ValidationError, errorCodes } from '../../../../shared/errors/index.js';
import { createRng } from '../../../../shared/random/index.js';
import { createAugmentedSource, loadImageDataset, dataErrorCodes } from '../../../../services/trainer/data/index.js';
import { computeChannelStats, decodeToTensor, normalize } from '../../../../shared/model/image/index.js';
import { blanks, kit, tiles } from '../../../support/data-kit.js';

let scratch: string;
before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'image-dataset-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('loadImageDataset', () => {
  it('loads every real GIBS tile under a directory, in sorted order, with sources and computed stats', async () => {
    const ds = await loadImageDataset({ dir: kit('gibs/tiles'), inputSize: 32 });
    assert.equal(ds.size, 9);
    assert.equal(ds.inputSize, 32);
    assert.equal(ds.images.length, 9);
    assert.ok(ds.sources[0].includes('epsg3413'));
    assert.ok(ds.sources.every((s) => path.isAbsolute(s)));
    assert.deepEqual(ds.stats, computeChannelStats(ds.images));
    assert.deepEqual(ds.images[0], await decodeToTensor(await readFile(tiles.arctic(0, 0)), 32));
    const batch = ds.batch([2, 0]);
    assert.equal(batch.length, 2 * 32 * 32 * 3);
    assert.deepEqual(batch.subarray(0, 32 * 32 * 3), ds.images[2]);
    assert.deepEqual(batch.subarray(32 * 32 * 3), ds.images[0]);
    assert.throws(() => ds.batch([9]), RangeError);
    assert.throws(() => ds.batch([-1]), RangeError);
  });

  it('skips blank no-data tiles when skipBlank, recording each', async () => {
    const files = [tiles.geo10, ...blanks, tiles.pace];
    const kept = await loadImageDataset({ files, inputSize: 16, skipBlank: true });
    assert.deepEqual(kept.sources, [tiles.geo10, tiles.pace]);
    assert.deepEqual(
      kept.skipped.map((s) => [s.source, s.code]),
      blanks.map((b) => [b, 'BLANK']),
    );
    const all = await loadImageDataset({ files, inputSize: 16 });
    assert.equal(all.size, files.length);
  });

  it('corrupted bytes: fail naming the file by default; recorded and skipped with skipUndecodable', async () => {
    const dir = await mkdtemp(path.join(scratch, 'corrupt-'));
    await copyFile(tiles.geo10, path.join(dir, 'a-good.jpg'));
    const tile = await readFile(tiles.geo11);
    await writeFile(path.join(dir, 'b-truncated.jpg'), tile.subarray(0, 20000));
    await writeFile(path.join(dir, 'c-garbage.png'), 'not a png at all');
    await assert.rejects(
      loadImageDataset({ dir, inputSize: 16 }),
      (e: unknown) =>
        e instanceof AppError &&
        e.code === errorCodes.undecodable &&
        e.message.includes('b-truncated.jpg') &&
        !e.retriable,
    );
    const ds = await loadImageDataset({ dir, inputSize: 16, skipUndecodable: true });
    assert.equal(ds.size, 1);
    assert.deepEqual(
      ds.skipped.map((s) => [path.basename(s.source), s.code]),
      [
        ['b-truncated.jpg', 'UNDECODABLE'],
        ['c-garbage.png', 'UNDECODABLE'],
      ],
    );
  });

  it('cuts large scenes: crops of one scene share its source; maxImages stops early', async () => {
    const ds = await loadImageDataset({ files: [tiles.modisMosaic, tiles.geo10], inputSize: 16, maxImages: 5 });
    assert.equal(ds.size, 5);
    assert.ok(ds.sources.every((s) => s === tiles.modisMosaic));
    const labeled = await loadImageDataset({ dir: kit('labeled'), inputSize: 16 });
    const perSource = new Map<string, number>();
    for (const s of labeled.sources) perSource.set(path.basename(s), (perSource.get(path.basename(s)) ?? 0) + 1);
    assert.equal(perSource.get('hurricane.jpg'), 20); // 1800 x 2350 → 4 x 5 squares of 512
    assert.equal(perSource.get('transverse_band.jpg'), 1); // 256 x 256
    assert.equal(perSource.size, 9);
  });

  it('uses given stats instead of computing them', async () => {
    const stats = { mean: [0.1, 0.2, 0.3] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
    const ds = await loadImageDataset({ files: [tiles.geo10], inputSize: 8, stats });
    assert.deepEqual(ds.stats, stats);
  });

  it('refuses ambiguous or empty inputs', async () => {
    await assert.rejects(loadImageDataset({ inputSize: 16 }), ValidationError);
    await assert.rejects(
      loadImageDataset({ dir: kit('gibs/tiles'), files: [tiles.geo10], inputSize: 16 }),
      ValidationError,
    );
    await assert.rejects(loadImageDataset({ files: [tiles.geo10], inputSize: 0 }), /inputSize/);
    await assert.rejects(
      loadImageDataset({ files: blanks, inputSize: 16, skipBlank: true }),
      (e: unknown) => e instanceof AppError && e.code === dataErrorCodes.emptyDataset,
    );
    await assert.rejects(
      loadImageDataset({ files: [path.join(scratch, 'missing.jpg')], inputSize: 16 }),
      (e: unknown) => e instanceof AppError && e.code === errorCodes.imageUnreadable && !e.retriable,
    );
  });
});

describe('createAugmentedSource', () => {
  it('gives two normalised NHWC views per index, deterministic under the rng', async () => {
    const ds = await loadImageDataset({ files: [tiles.geo10, tiles.geo11, tiles.arctic(0, 0)], inputSize: 32 });
    const source = createAugmentedSource(ds, { viewSize: 16 });
    assert.equal(source.size, 3);
    assert.equal(source.viewSize, 16);
    const one = source.pair([2, 0], createRng(1));
    const two = source.pair([2, 0], createRng(1));
    assert.equal(one.a.length, 2 * 16 * 16 * 3);
    assert.deepEqual(one, two);
    assert.notDeepEqual(one.a, one.b);
    assert.throws(() => source.pair([3], createRng(1)), RangeError);
  });

  it('with every augmentation off, a view is exactly the normalised image', async () => {
    const ds = await loadImageDataset({ files: [tiles.geo10, tiles.pace], inputSize: 16 });
    const off = {
      crop: false,
      rotate90: false,
      flipHorizontal: 0,
      flipVertical: 0,
      colorJitter: false,
      grayscale: 0,
      blur: false,
    } as const;
    const source = createAugmentedSource(ds, { viewSize: 16, augment: off });
    const { a, b } = source.pair([1], createRng(3));
    const expected = normalize(ds.images[1], ds.stats);
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(a[i] - expected[i]) < 1e-5);
    assert.deepEqual(a, b);
  });

  it('refuses bad augmentation options at construction', async () => {
    const ds = await loadImageDataset({ files: [tiles.geo10], inputSize: 16 });
    assert.throws(() => createAugmentedSource(ds, { viewSize: 16, augment: { grayscale: 3 } }), /grayscale/);
  });
});
