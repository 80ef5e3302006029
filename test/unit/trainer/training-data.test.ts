import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { FsBlobStore } from '../../../shared/blob/index.js';
import { bboxSplit } from '../../../shared/model/eval/index.js';
import { type TileAddress, tileBbox, tileBlobKey } from '../../../shared/tiles/index.js';
import { loadTrainingData } from '../../../services/trainer/training-data.js';
import { tiles } from '../../support/data-kit.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('loadTrainingData from the tile store', () => {
  it('places tiles by their blob key and leaves out keys that name no tile', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'training-data-'));
    dirs.push(root);
    const blobs = new FsBlobStore({ root, fsync: false });
    const geo10 = await readFile(tiles.geo10);
    const geo11 = await readFile(tiles.geo11);
    const at = (date: string, col: number): TileAddress => ({ layer: MODIS, date, tms: '250m', z: 5, row: 5, col });
    await blobs.put(tileBlobKey(at('2016-01-24', 10), 'jpg'), geo10);
    await blobs.put(tileBlobKey(at('2016-01-26', 11), 'jpg'), geo11);
    await blobs.put(tileBlobKey({ ...at('2016-01-25', 10), layer: 'Other_Layer' }, 'jpg'), geo10);
    // Not tile keys: an impossible date, a stray file, a tile under a format the trainer does not read.
    await blobs.put(`tiles/${MODIS}/2016-02-30/250m/5/5/10.jpg`, geo10);
    await blobs.put('tiles/README.txt', new TextEncoder().encode('not a tile'));
    await blobs.put(tileBlobKey(at('2016-01-24', 12), 'tif'), geo10);

    // Both real tiles lie wholly in training cells, so nothing of theirs is masked away.
    assert.equal(bboxSplit(tileBbox(5, 5, 10)), 'train');
    assert.equal(bboxSplit(tileBbox(5, 5, 11)), 'train');
    const loaded = await loadTrainingData({ kind: 'store', blobs }, { inputSize: 32 });
    assert.equal(loaded.dataset.size, 3);
    assert.equal(loaded.heldOut, 3);
    const layers = [MODIS, 'Other_Layer'].sort();
    assert.deepEqual(loaded.window, { from: '2016-01-24', to: '2016-01-26', layers, images: 3 });
    await blobs.close();
  });
});
