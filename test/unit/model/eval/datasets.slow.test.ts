import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../../shared/errors/index.js';
import {
  RasterCache,
  bboxSplit,
  bboxToRect,
  buildEvalSets,
  buildLabeledSet,
  buildPlaceProxySet,
  imageStats,
  rasterStats,
  type Place,
  type PlaceProxySet,
  type Raster,
  type RetrievalTask,
} from '../../../../shared/model/eval/index.js';
import type { Bbox } from '../../../../shared/tiles/index.js';
import { buildSplitCrops } from '../../../../services/trainer/data/index.js';
import { kit, tiles } from '../../../support/data-kit.js';

const dataDir = kit();
// the kit's two global mosaics, passed as configuration would pass a deployment's own
const mosaics = { primary: tiles.modisMosaic, crossSource: kit('gibs/mosaic/bluemarble_small_8192x4096.jpg') };
const labeledDir = path.join(dataDir, 'labeled');
const hasCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code && !e.retriable;

describe('buildLabeledSet (real phenomenon scenes)', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'eval-labeled-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('cuts every scene into crops grouped by source file', async () => {
    const set = await buildLabeledSet(labeledDir, { inputSize: 32, cropsPerImage: 4 });
    assert.deepEqual(set.classes, [
      'cloud_streets',
      'dust',
      'high_latitude_dust',
      'hurricane',
      'smoke',
      'transverse_cirrus_bands',
    ]);
    assert.equal(set.sources.length, 9);
    assert.equal(set.images.length, 36);
    assert.equal(new Set(set.groups).size, 9);
    for (const [i, img] of set.images.entries()) {
      assert.equal(img.length, 32 * 32 * 3);
      assert.ok(img.every((x) => x >= 0 && x <= 1));
      assert.ok(set.groups[i].startsWith(`${set.labels[i]}/`), 'a group is a file inside its class folder');
    }
    // RGBA PNGs (GOES scenes) decode to 3 channels too
    assert.ok(set.sources.some((s) => s.file === 'hurricane/hurricane_goes.png'));
    // crops of one scene differ (different positions), and the build is reproducible from the seed
    assert.notDeepEqual(set.images[0], set.images[1]);
    const again = await buildLabeledSet(labeledDir, { inputSize: 32, cropsPerImage: 4 });
    assert.deepEqual(again.images, set.images);
    const other = await buildLabeledSet(labeledDir, { inputSize: 32, cropsPerImage: 4, seed: 2 });
    assert.notDeepEqual(other.images, set.images);
  });

  it('refuses a missing folder, a folder without class folders, and classes with one scene each', async () => {
    await assert.rejects(buildLabeledSet(path.join(tmp, 'nope'), { inputSize: 32 }), hasCode('EVAL_NO_DIR'));
    const empty = path.join(tmp, 'empty');
    await mkdir(empty);
    await assert.rejects(buildLabeledSet(empty, { inputSize: 32 }), hasCode('EVAL_NO_CLASSES'));
    const flat = path.join(tmp, 'flat');
    await mkdir(flat);
    await copyFile(path.join(labeledDir, 'dust/dust.jpg'), path.join(flat, 'dust.jpg'));
    await assert.rejects(buildLabeledSet(flat, { inputSize: 32 }), hasCode('EVAL_NO_CLASSES'));
    const oneClass = path.join(tmp, 'one-class');
    await mkdir(path.join(oneClass, 'smoke'), { recursive: true });
    await copyFile(path.join(labeledDir, 'smoke/smoke.jpg'), path.join(oneClass, 'smoke/a.jpg'));
    await copyFile(path.join(labeledDir, 'smoke/smoke_goes.png'), path.join(oneClass, 'smoke/b.png'));
    await assert.rejects(buildLabeledSet(oneClass, { inputSize: 32 }), hasCode('EVAL_NO_CLASSES'));
    const singles = path.join(tmp, 'singles');
    await mkdir(path.join(singles, 'dust'), { recursive: true });
    await mkdir(path.join(singles, 'smoke'), { recursive: true });
    await copyFile(path.join(labeledDir, 'dust/dust.jpg'), path.join(singles, 'dust/dust.jpg'));
    await copyFile(path.join(labeledDir, 'smoke/smoke.jpg'), path.join(singles, 'smoke/smoke.jpg'));
    await assert.rejects(buildLabeledSet(singles, { inputSize: 32 }), hasCode('EVAL_NO_QUERIES'));
  });

  it('names an undecodable image instead of skipping it', async () => {
    const dir = path.join(tmp, 'corrupt');
    await mkdir(path.join(dir, 'dust'), { recursive: true });
    await mkdir(path.join(dir, 'smoke'), { recursive: true });
    await copyFile(path.join(labeledDir, 'dust/dust.jpg'), path.join(dir, 'dust/dust.jpg'));
    await writeFile(path.join(dir, 'smoke/broken.jpg'), Buffer.from('not a jpeg at all'));
    await assert.rejects(
      buildLabeledSet(dir, { inputSize: 32 }),
      (e: unknown) => hasCode('EVAL_BAD_IMAGE')(e) && /broken\.jpg/.test((e as Error).message),
    );
  });

  it('refuses bad options', async () => {
    await assert.rejects(buildLabeledSet(labeledDir, { inputSize: 0 }), hasCode('VALIDATION'));
    await assert.rejects(buildLabeledSet(labeledDir, { inputSize: 32, cropsPerImage: 0 }), hasCode('VALIDATION'));
    await assert.rejects(buildLabeledSet(labeledDir, { inputSize: 32, cropFraction: 1.5 }), hasCode('VALIDATION'));
  });
});

describe('buildPlaceProxySet (real MODIS and Blue Marble mosaics)', () => {
  const cache = new RasterCache();
  let evalSet: PlaceProxySet;
  let seconds = 0;
  before(async () => {
    const t0 = performance.now();
    evalSet = await buildPlaceProxySet({ mosaics, inputSize: 32, cache });
    seconds = (performance.now() - t0) / 1000;
  });

  it('builds in well under 10 s with a gallery of a hundred-odd held-out places', () => {
    assert.ok(seconds < 10, `${seconds.toFixed(1)} s`);
    assert.ok(evalSet.shifted.queries.length >= 100, `${evalSet.shifted.queries.length} shifted places`);
    assert.ok(
      evalSet.crossSource && evalSet.crossSource.queries.length >= 50,
      `${evalSet.crossSource?.queries.length} cross-source places`,
    );
    for (const t of [evalSet.shifted, evalSet.crossSource]) {
      assert.ok(t);
      assert.equal(t.gallery.length, t.queries.length);
      assert.deepEqual(
        t.truth,
        t.queries.map((_, i) => i),
      );
      assert.equal(new Set(t.place).size, t.place.length, 'one query per place');
      for (const img of [...t.queries, ...t.gallery]) assert.equal(img.length, 32 * 32 * 3);
    }
    const s = evalSet.skipped;
    assert.equal(
      evalSet.candidates,
      evalSet.places.length + s.queryUninformative + s.noPositive,
      'every candidate place is kept or counted as skipped',
    );
  });

  it('keeps every view of every place inside eval cells, apart from other places', () => {
    const boxes: Bbox[] = [];
    for (const p of evalSet.places) {
      const shifted: Bbox = [
        p.bbox[0] + p.shift.dLon,
        p.bbox[1] + p.shift.dLat,
        p.bbox[2] + p.shift.dLon,
        p.bbox[3] + p.shift.dLat,
      ];
      assert.equal(bboxSplit(p.bbox), 'eval');
      assert.equal(bboxSplit(shifted), 'eval');
      boxes.push([
        Math.min(p.bbox[0], shifted[0]),
        Math.min(p.bbox[1], shifted[1]),
        Math.max(p.bbox[2], shifted[2]),
        Math.max(p.bbox[3], shifted[3]),
      ]);
      // the default shift is half the crop, so the two views overlap but are not the same picture
      assert.ok(Math.max(Math.abs(p.shift.dLon), Math.abs(p.shift.dLat)) > 0);
    }
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i], boxes[j]];
        const overlap = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
        assert.ok(!overlap, `places ${i} and ${j} overlap`);
      }
    }
  });

  it('builds the train side on train cells only, sharing no place with the eval side', async () => {
    const trainSet = await buildPlaceProxySet({ mosaics, inputSize: 32, split: 'train', places: 40, cache });
    assert.equal(trainSet.shifted.queries.length, 40);
    for (const p of trainSet.places) assert.equal(bboxSplit(p.bbox), 'train');
    const evalCells = new Set(evalSet.places.map((p) => `${p.cell.col},${p.cell.row}`));
    assert.ok(trainSet.places.every((p) => !evalCells.has(`${p.cell.col},${p.cell.row}`)));
  });

  it('skips uninformative views: no view is no-data black or featureless', async () => {
    const modis = await cache.get(mosaics.primary, { maxWidth: 4096 });
    const marble = await cache.get(mosaics.crossSource, { maxWidth: 4096 });
    const ok = (raster: Raster, box: Bbox) => {
      const s = rasterStats(raster, bboxToRect(raster, box));
      return s.darkFraction <= 0.02 && s.meanStd >= 0.04;
    };
    const shiftedBox = (p: Place): Bbox => [
      p.bbox[0] + p.shift.dLon,
      p.bbox[1] + p.shift.dLat,
      p.bbox[2] + p.shift.dLon,
      p.bbox[3] + p.shift.dLat,
    ];
    for (const i of evalSet.shifted.place) {
      assert.ok(ok(modis, evalSet.places[i].bbox) && ok(modis, shiftedBox(evalSet.places[i])), `place ${i}`);
    }
    for (const i of evalSet.crossSource?.place ?? []) {
      assert.ok(ok(modis, evalSet.places[i].bbox) && ok(marble, evalSet.places[i].bbox), `place ${i}`);
    }
    // and the resized crops look the same way (resizing barely smooths a 6° crop)
    for (const img of evalSet.shifted.queries)
      assert.ok(imageStats(img).darkFraction <= 0.05 && imageStats(img).meanStd >= 0.03);
    // the real mosaic has swath gaps and polar night: some candidates must have been refused
    assert.ok(evalSet.skipped.queryUninformative > 0);
    assert.ok(evalSet.skipped.crossSourceUninformative > 0, 'open ocean in Blue Marble is featureless');
  });

  it('picks the same places whatever the input size', async () => {
    const small = await buildPlaceProxySet({ mosaics, inputSize: 16, cache });
    assert.deepEqual(small.places, evalSet.places);
    assert.deepEqual(small.shifted.place, evalSet.shifted.place);
    assert.equal(small.shifted.queries[0].length, 16 * 16 * 3);
  });

  it('is reproducible from its seed, and the seed moves the places', async () => {
    const again = await buildPlaceProxySet({ mosaics, inputSize: 32, cache });
    assert.deepEqual(again.places, evalSet.places);
    assert.deepEqual(again.shifted.queries[0], evalSet.shifted.queries[0]);
    const other = await buildPlaceProxySet({ mosaics, inputSize: 32, seed: 7, cache });
    assert.notDeepEqual(
      other.places.map((p) => p.bbox),
      evalSet.places.map((p) => p.bbox),
    );
  });

  it('refuses options that cannot work, missing mosaic files, and an image that is not a whole-globe mosaic', async () => {
    await assert.rejects(buildPlaceProxySet({ mosaics, inputSize: 32, cropDeg: 8 }), hasCode('VALIDATION'));
    await assert.rejects(buildPlaceProxySet({ mosaics, inputSize: 32, places: 1 }), hasCode('VALIDATION'));
    await assert.rejects(buildPlaceProxySet({ mosaics, inputSize: 32, shiftFraction: 0 }), hasCode('VALIDATION'));
    await assert.rejects(buildPlaceProxySet({ mosaics, inputSize: 32, maxMosaicWidth: 100 }), hasCode('VALIDATION'));
    await assert.rejects(buildPlaceProxySet({ mosaics: { primary: '' }, inputSize: 32 }), hasCode('VALIDATION'));
    await assert.rejects(
      buildPlaceProxySet({ mosaics: { primary: path.join(os.tmpdir(), 'no-such-mosaic.jpg') }, inputSize: 32 }),
      hasCode('EVAL_NOT_FOUND'),
    );
    await assert.rejects(
      buildPlaceProxySet({
        mosaics: { ...mosaics, crossSource: path.join(os.tmpdir(), 'no-such.jpg') },
        inputSize: 32,
      }),
      hasCode('EVAL_NOT_FOUND'),
    );
    // a 1800x2350 scene cannot be plate carrée over the whole globe: refused, not cropped at wrong places
    await assert.rejects(
      buildPlaceProxySet({ mosaics: { primary: path.join(labeledDir, 'dust/dust.jpg') }, inputSize: 32 }),
      (e: unknown) => hasCode('EVAL_BAD_MOSAIC')(e) && /dust\.jpg is 1800x2350/.test((e as Error).message),
    );
    // thresholds nothing can pass: a clear error, not an empty gallery
    await assert.rejects(buildPlaceProxySet({ mosaics, inputSize: 32, minStd: 2, cache }), hasCode('EVAL_NO_QUERIES'));
  });
});

describe('evaluation sets come from configuration, not from file names of the data kit', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'eval-config-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  const boxes = (t: RetrievalTask | undefined, set: PlaceProxySet) => t?.place.map((i) => set.places[i].bbox);

  it('builds the same place proxy from renamed copies of the mosaics, and without a cross-source mosaic', async () => {
    const reference = await buildPlaceProxySet({ mosaics, inputSize: 16 });
    // a deployment's own files under its own names (copies: nothing may resolve the kit's names)
    const renamed = { primary: path.join(tmp, 'daily-global.jpg'), crossSource: path.join(tmp, 'composite.jpg') };
    await copyFile(mosaics.primary, renamed.primary);
    await copyFile(mosaics.crossSource, renamed.crossSource);
    const cache = new RasterCache();
    const copied = await buildPlaceProxySet({ mosaics: renamed, inputSize: 16, cache });
    assert.deepEqual(copied.places, reference.places);
    assert.deepEqual(copied.shifted.queries, reference.shifted.queries);
    assert.deepEqual(copied.crossSource?.gallery, reference.crossSource?.gallery);

    // one mosaic: the shifted task on the same places, no cross-source task (nothing counted against it)
    const single = await buildPlaceProxySet({ mosaics: { primary: renamed.primary }, inputSize: 16, cache });
    assert.equal(single.crossSource, undefined);
    assert.equal(single.skipped.crossSourceUninformative, 0);
    assert.deepEqual(boxes(single.shifted, single), boxes(reference.shifted, reference));
    assert.ok(single.places.length < reference.places.length, 'places kept only for their cross-source view are gone');
  });

  it('builds only the sets it is given, and refuses to build none', async () => {
    const onlyMosaic = await buildEvalSets({ inputSize: 16, mosaics: { primary: mosaics.primary } });
    assert.ok(onlyMosaic.proxy && !onlyMosaic.labeled && !onlyMosaic.tiles);
    assert.equal(onlyMosaic.proxy.crossSource, undefined);
    const onlyLabeled = await buildEvalSets({ inputSize: 16, labeledDir, cropsPerImage: 2 });
    assert.ok(onlyLabeled.labeled && !onlyLabeled.proxy && !onlyLabeled.tiles);
    // a data folder is no evaluation set: nothing is looked up inside it by name
    await assert.rejects(buildEvalSets({ inputSize: 16 }), hasCode('EVAL_EMPTY'));
  });
});

describe('buildSplitCrops (training crops that never touch held-out pixels)', () => {
  it('keeps only crops wholly on the train side, none overlapping an eval place', async () => {
    const cache = new RasterCache();
    const crops = await buildSplitCrops({ dataDir, inputSize: 16, strideDeg: 4.5, cache });
    const proxy = await buildPlaceProxySet({ mosaics, inputSize: 16, cache });
    assert.ok(crops.images.length > 500, `${crops.images.length} crops`);
    assert.deepEqual(new Set(crops.mosaics), new Set(['modis', 'bluemarble']));
    const overlaps = (a: Bbox, b: Bbox) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    for (const [i, box] of crops.boxes.entries()) {
      assert.equal(bboxSplit(box), 'train');
      assert.equal(crops.images[i].length, 16 * 16 * 3);
      for (const p of proxy.places) assert.ok(!overlaps(box, p.bbox), `crop ${i} overlaps an eval place`);
    }
    const heldOut = await buildSplitCrops({
      dataDir,
      inputSize: 16,
      split: 'eval',
      strideDeg: 9,
      mosaics: ['modis'],
      cache,
    });
    assert.ok(heldOut.boxes.length > 0 && heldOut.boxes.every((b) => bboxSplit(b) === 'eval'));
    await assert.rejects(buildSplitCrops({ dataDir, inputSize: 16, mosaics: [] }), hasCode('VALIDATION'));
  });
});
