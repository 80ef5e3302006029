import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsBlobStore } from '../../../../shared/blob/index.js';
import { AppError, ValidationError } from '../../../../shared/errors/index.js';
import { bboxSplit, splitCells } from '../../../../shared/model/eval/index.js';
import { parseTileBlobKey, tileBbox, tileBlobKey, type TileAddress } from '../../../../shared/tiles/index.js';
import {
  lifecycleErrorCodes,
  sampleWindowTiles,
  tileSampleView,
} from '../../../../services/trainer/lifecycle/index.js';
import { tiles } from '../../../support/data-kit.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const trainCells = splitCells('train').slice(0, 8);
const evalCell = splitCells('eval')[0];
const at = (date: string, row: number, col: number, z = 5): TileAddress => ({
  layer: MODIS,
  date,
  tms: '250m',
  z,
  row,
  col,
});

describe('sampleWindowTiles', () => {
  let root: string;
  let blobs: FsBlobStore;
  const inWindow: string[] = [];
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'tile-sample-'));
    blobs = new FsBlobStore({ root, fsync: false });
    const bytes = await readFile(tiles.geo10);
    // 8 training cells on each of 3 days in the window, and the same cells on a day before it
    for (const date of ['2020-09-25', '2020-09-26', '2020-09-27']) {
      for (const c of trainCells) {
        const key = tileBlobKey(at(date, c.row, c.col), 'jpg');
        await blobs.put(key, bytes);
        inWindow.push(key);
      }
    }
    for (const c of trainCells) await blobs.put(tileBlobKey(at('2020-09-20', c.row, c.col), 'jpg'), bytes);
    // not trainable: wholly held out for the gate, a format the loader does not read, a stray file
    await blobs.put(tileBlobKey(at('2020-09-27', evalCell.row, evalCell.col), 'jpg'), bytes);
    await blobs.put(tileBlobKey(at('2020-09-27', trainCells[0].row, trainCells[0].col), 'tif'), bytes);
    await blobs.put('tiles/README.txt', new TextEncoder().encode('no tile'));
    // a level-2 tile spans both sides of the split: trainable (the loader masks its held-out pixels)
    await blobs.put(tileBlobKey(at('2020-09-27', 1, 2, 2), 'jpg'), bytes);
    inWindow.push(tileBlobKey(at('2020-09-27', 1, 2, 2), 'jpg'));
    inWindow.sort();
  });
  after(async () => {
    await blobs.close();
    await rm(root, { recursive: true, force: true });
  });

  const now = new Date('2020-09-27T15:00:00Z');

  it('draws from the trainable tiles dated within the last windowDays days, today included', async () => {
    assert.equal(bboxSplit(tileBbox(5, evalCell.row, evalCell.col)), 'eval');
    assert.equal(bboxSplit(tileBbox(2, 1, 2)), 'mixed');
    const all = await sampleWindowTiles(blobs, { windowDays: 3, sampleSize: 1000, seed: 1, now });
    assert.deepEqual(all.window, { from: '2020-09-25', to: '2020-09-27' });
    assert.equal(all.population, inWindow.length);
    assert.deepEqual(all.keys, inWindow);
    assert.equal(all.heldOut, 1, 'the tile wholly in a held-out cell is counted for the gate, not sampled');

    const lastDay = await sampleWindowTiles(blobs, { windowDays: 1, sampleSize: 1000, seed: 1, now });
    assert.equal(lastDay.population, trainCells.length + 1);
    assert.ok(lastDay.keys.every((k) => parseTileBlobKey(k)?.date === '2020-09-27'));

    const wide = await sampleWindowTiles(blobs, { windowDays: 8, sampleSize: 1000, seed: 1, now });
    assert.equal(wide.population, inWindow.length + trainCells.length);
    // no window: every day; no sample size: every trainable tile
    const everything = await sampleWindowTiles(blobs, { seed: 1, now });
    assert.equal(everything.window, undefined);
    assert.equal(everything.keys.length, inWindow.length + trainCells.length);
  });

  it('samples sampleSize distinct keys, reproducibly for a seed and a day, differently for another day', async () => {
    const options = { windowDays: 3, sampleSize: 10, seed: 4, now };
    const a = await sampleWindowTiles(blobs, options);
    const b = await sampleWindowTiles(blobs, options);
    assert.equal(a.keys.length, 10);
    assert.equal(new Set(a.keys).size, 10);
    assert.ok(a.keys.every((k) => inWindow.includes(k)));
    assert.deepEqual([...a.keys].sort(), a.keys, 'listed in store order');
    assert.deepEqual(b, a);
    const otherSeed = await sampleWindowTiles(blobs, { ...options, seed: 5 });
    assert.notDeepEqual(otherSeed.keys, a.keys);
    // the next day (a window of 4 days covers the same tiles) draws another sample with another run seed
    const nextDay = await sampleWindowTiles(blobs, {
      ...options,
      windowDays: 4,
      now: new Date('2020-09-28T01:00:00Z'),
    });
    assert.equal(nextDay.population, a.population);
    assert.notEqual(nextDay.seed, a.seed);
    assert.notDeepEqual(nextDay.keys, a.keys);
  });

  it('gives every tile of the window a chance (uniform over seeds)', async () => {
    const hits = new Map<string, number>(inWindow.map((k) => [k, 0]));
    for (let seed = 0; seed < 200; seed++) {
      const s = await sampleWindowTiles(blobs, { windowDays: 3, sampleSize: 5, seed, now });
      for (const k of s.keys) hits.set(k, (hits.get(k) ?? 0) + 1);
    }
    // expected 200 · 5 / 25 = 40 per key; a biased reservoir (e.g. keeping the first 5) would leave zeros
    const counts = [...hits.values()];
    assert.ok(Math.min(...counts) >= 15 && Math.max(...counts) <= 70, counts.join(','));
  });

  it('refuses bad options before reading anything', async () => {
    for (const bad of [
      { windowDays: 0, sampleSize: 5 },
      { windowDays: 1.5, sampleSize: 5 },
      { windowDays: 3, sampleSize: 0 },
      { windowDays: 36_501, sampleSize: 5 },
    ]) {
      await assert.rejects(sampleWindowTiles(blobs, { ...bad, seed: 1, now }), ValidationError, JSON.stringify(bad));
    }
    await assert.rejects(
      sampleWindowTiles(blobs, { windowDays: 3, sampleSize: 5, seed: 1, now: new Date(Number.NaN) }),
      ValidationError,
    );
  });
});

describe('tileSampleView', () => {
  it('lists and reads only the sampled keys, refuses writes, and leaves the store open', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'tile-view-'));
    const blobs = new FsBlobStore({ root, fsync: false });
    try {
      const bytes = await readFile(tiles.geo11);
      const keys = [0, 1, 2, 3].map((i) => tileBlobKey(at('2020-09-27', 5, 10 + i), 'jpg'));
      for (const k of keys) await blobs.put(k, bytes);
      const view = tileSampleView(blobs, [keys[3], keys[1], keys[3]]);
      const listed: string[] = [];
      for await (const k of view.list('tiles/')) listed.push(k);
      assert.deepEqual(listed, [keys[1], keys[3]]);
      const none: string[] = [];
      for await (const k of view.list('other/')) none.push(k);
      assert.deepEqual(none, []);
      assert.deepEqual(await view.get(keys[1]), new Uint8Array(bytes));
      assert.equal(await view.get(keys[0]), undefined, 'not in the sample');
      assert.equal((await view.stat(keys[3]))?.bytes, bytes.length);
      assert.equal(await view.stat(keys[2]), undefined);
      const readOnly = (e: unknown) => e instanceof AppError && e.code === lifecycleErrorCodes.sampleReadOnly;
      await assert.rejects(view.put(keys[0], bytes), readOnly);
      await assert.rejects(view.delete(keys[1]), readOnly);
      assert.ok(await blobs.get(keys[1]), 'nothing was deleted');
      await view.close();
      assert.ok(await blobs.get(keys[0]), 'the underlying store is still open');
    } finally {
      await blobs.close();
      await rm(root, { recursive: true, force: true });
    }
  });
});
