import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { AppError } from '../../../shared/errors/index.js';
import { silentLogger } from '../../../shared/log/index.js';
import { MOSAIC_SOURCES, replayErrorCodes } from '../../../services/replay/index.js';
import { createMosaicPyramid, readMosaicInfo } from '../../../services/replay/mosaic-pyramid.js';
import { findRealTiles } from '../../../services/replay/real-tiles.js';
import { dataDir } from '../../support/raw-request.js';

describe('mosaic pyramid', () => {
  it('reads the kit mosaics as global 2:1 images and picks the levels their resolution supports', async () => {
    const [modis, marble] = MOSAIC_SOURCES.map((s) => path.join(dataDir, s.file));
    const m = await readMosaicInfo(modis, '250m');
    assert.deepEqual([m.width, m.height, m.levels], [3996, 1998, [0, 1, 2]]);
    assert.ok(Math.abs(m.degreesPerPixel - 360 / 3996) < 1e-12);
    const b = await readMosaicInfo(marble, '500m');
    assert.deepEqual([b.width, b.height, b.levels], [8192, 4096, [0, 1, 2, 3]]);
    assert.equal(b.degreesPerPixel, 0.0439453125);
  });

  it('gives no level to an image coarser than z0, and refuses unreadable files', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'replay-mosaic-'));
    try {
      // Blue Marble shrunk to 400x300 (not 2:1, 0.9 deg/px on the coarser axis): too coarse for any level.
      const small = path.join(dir, 'small.jpg');
      await sharp(path.join(dataDir, MOSAIC_SOURCES[1].file)).resize(400, 300, { fit: 'fill' }).jpeg().toFile(small);
      const info = await readMosaicInfo(small, '500m');
      assert.deepEqual(info.levels, []);
      assert.equal(await createMosaicPyramid(info).tile(0, 0, 0), undefined);
      const junk = path.join(dir, 'junk.jpg');
      await writeFile(junk, 'not a jpeg');
      await assert.rejects(
        readMosaicInfo(junk, '500m'),
        (e: unknown) => e instanceof AppError && e.code === replayErrorCodes.mosaicUnreadable,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('real tile discovery', () => {
  it('finds the kit tiles at their REST addresses', async () => {
    const tiles = await findRealTiles(path.join(dataDir, 'gibs/tiles/epsg4326'), silentLogger());
    assert.deepEqual(
      tiles.map((t) => `${t.layer}/${t.date}/${t.tms}/${t.z}/${t.row}/${t.col}.${t.ext}`),
      [
        'MODIS_Terra_CorrectedReflectance_TrueColor/2016-01-24/250m/5/5/10.jpg',
        'MODIS_Terra_CorrectedReflectance_TrueColor/2016-01-24/250m/5/5/11.jpg',
      ],
    );
  });

  it('leaves out files off the scheme, and an absent folder is no tiles', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'replay-tiles-'));
    try {
      const real = path.join(
        dataDir,
        'gibs/tiles/epsg4326/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/10.jpg',
      );
      for (const rel of [
        'L/default/2016-01-24/250m/5/5/10.jpg',
        'L/default/2016-1-24/250m/5/5/10.jpg',
        'L/fancy/2016-01-24/250m/5/5/10.jpg',
        'L/default/2016-01-24/250m/5/x/10.jpg',
      ]) {
        await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
        await copyFile(real, path.join(dir, rel));
      }
      const tiles = await findRealTiles(dir, silentLogger());
      assert.deepEqual(
        tiles.map((t) => t.file),
        [path.join(dir, 'L/default/2016-01-24/250m/5/5/10.jpg')],
      );
      assert.deepEqual(await findRealTiles(path.join(dir, 'absent'), silentLogger()), []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
