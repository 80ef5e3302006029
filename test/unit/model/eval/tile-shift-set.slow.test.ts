import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../../shared/errors/index.js';
import {
  bboxSplit,
  buildTileShiftSet,
  cellBBox,
  colourHistogramEmbed,
  evaluateEncoder,
  splitCells,
  tileFileBBox,
} from '../../../../shared/model/eval/index.js';
import { kit } from '../../../support/data-kit.js';

const dataDir = kit();
const modisTile = path.join(
  dataDir,
  'gibs/tiles/epsg4326/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/10.jpg',
);
const hasCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code && !e.retriable;

describe('tileFileBBox', () => {
  it('reads EPSG:4326 tile positions from the tile store and GIBS layouts, and nothing else', () => {
    assert.deepEqual(
      tileFileBBox('gibs/tiles/epsg4326/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/10.jpg'),
      [-90, 36, -81, 45],
    );
    assert.deepEqual(
      tileFileBBox('tiles/MODIS_Terra_CorrectedReflectance_TrueColor/2016-01-24/250m/5/5/11.jpg'),
      [-81, 36, -72, 45],
    );
    assert.equal(
      tileFileBBox('gibs/tiles/epsg3413/MODIS_Terra_CorrectedReflectance_TrueColor/default/2017-09-05/250m/0/0/0.jpg'),
      undefined,
    );
    assert.equal(tileFileBBox('bluemarble/3/2/5.jpg'), undefined);
    assert.throws(() => tileFileBBox('tiles/L/2020-01-01/250m/0/5/0.jpg'), hasCode('EVAL_BAD_PLACE'));
  });
});

describe('buildTileShiftSet', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'eval-tiles-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('uses only tiles wholly on the eval side of the split (tile store layout)', async () => {
    const store = path.join(tmp, 'store');
    // the same real MODIS tile filed at level-5 positions on both sides of the split (a level-5 tile is one cell)
    const cellOf = (c: { col: number; row: number }) => ({ row: c.row, col: c.col });
    const evalCells = splitCells('eval').slice(0, 6).map(cellOf);
    const trainCells = splitCells('train').slice(0, 6).map(cellOf);
    for (const { row, col } of [...evalCells, ...trainCells]) {
      const dir = path.join(store, 'tiles/MODIS_Terra_CorrectedReflectance_TrueColor/2016-01-24/250m/5', String(row));
      await mkdir(dir, { recursive: true });
      await copyFile(modisTile, path.join(dir, `${col}.jpg`));
    }
    // a level-2 tile spans many cells: mixed, never used
    await mkdir(path.join(store, 'tiles/MODIS_Terra_CorrectedReflectance_TrueColor/2016-01-24/250m/2/1'), {
      recursive: true,
    });
    await copyFile(
      modisTile,
      path.join(store, 'tiles/MODIS_Terra_CorrectedReflectance_TrueColor/2016-01-24/250m/2/1/2.jpg'),
    );
    // a file with no position: skipped unless the caller vouches for the folder
    await copyFile(modisTile, path.join(store, 'loose.jpg'));

    const set = await buildTileShiftSet(store, { inputSize: 16 });
    assert.equal(set.files.length, evalCells.length);
    for (const f of set.files) {
      const box = tileFileBBox(f);
      assert.ok(box && bboxSplit(box) === 'eval', f);
    }
    assert.deepEqual(set.skipped, { otherSide: trainCells.length, mixed: 1, unlocated: 1, uninformative: 0 });
    assert.equal(set.shifted.queries.length, evalCells.length);
    assert.deepEqual(
      set.shifted.truth,
      set.files.map((_, i) => i),
    );
    // positions inside the cells agree with the split's own cell boxes
    assert.deepEqual(
      tileFileBBox(`tiles/X/2016-01-24/250m/5/${evalCells[0].row}/${evalCells[0].col}.jpg`),
      cellBBox(evalCells[0].col, evalCells[0].row),
    );

    const withLoose = await buildTileShiftSet(store, { inputSize: 16, unlocated: 'use' });
    assert.ok(withLoose.files.includes('loose.jpg'));
    const train = await buildTileShiftSet(store, { inputSize: 16, split: 'train' });
    assert.equal(train.files.length, trainCells.length);
  });

  it('gives a histogram recall far above chance on real Blue Marble tiles (a folder held out as a whole)', async () => {
    const set = await buildTileShiftSet(path.join(dataDir, 'bluemarble'), { inputSize: 32, unlocated: 'use' });
    assert.ok(set.shifted.queries.length >= 100, `${set.shifted.queries.length} tiles`);
    assert.ok(set.skipped.uninformative > 0, 'open-ocean tiles are featureless and skipped');
    const report = await evaluateEncoder(colourHistogramEmbed(), { tiles: set });
    assert.ok(report.tiles);
    const { recallAt, chance } = report.tiles.shifted;
    assert.ok(recallAt[10] > 4 * chance[10], `recall@10 ${recallAt[10]} vs chance ${chance[10]}`);
    const again = await buildTileShiftSet(path.join(dataDir, 'bluemarble'), {
      inputSize: 32,
      unlocated: 'use',
      maxImages: 20,
    });
    assert.equal(again.files.length <= 20, true);
  });

  it('fails clearly on a missing folder or one with nothing usable', async () => {
    await assert.rejects(buildTileShiftSet(path.join(tmp, 'nope'), { inputSize: 16 }), hasCode('EVAL_NO_DIR'));
    // the real data kit has no EPSG:4326 tile on the eval side: nothing usable without vouching
    await assert.rejects(buildTileShiftSet(path.join(dataDir, 'gibs'), { inputSize: 16 }), hasCode('EVAL_NO_QUERIES'));
    await assert.rejects(buildTileShiftSet(tmp, { inputSize: 16, shiftFraction: 1 }), hasCode('VALIDATION'));
  });
});
