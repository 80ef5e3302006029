import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError, errorCodes } from '../../../shared/errors/index.js';
import {
  type TileAddress,
  parseTileBlobKey,
  parseTilePathTail,
  tileBlobKey,
  tileKey,
} from '../../../shared/tiles/index.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const sample: TileAddress = { layer: MODIS, date: '2016-01-24', tms: '250m', z: 5, row: 5, col: 10 };

describe('tile blob keys', () => {
  it('files a tile under tiles/{tile key}.{ext}', () => {
    assert.equal(tileBlobKey(sample, 'jpg'), `tiles/${MODIS}/2016-01-24/250m/5/5/10.jpg`);
    assert.equal(tileBlobKey(sample, 'jpg'), `tiles/${tileKey(MODIS, '2016-01-24', '250m', 5, 5, 10)}.jpg`);
    assert.deepEqual(parseTileBlobKey(`tiles/${MODIS}/2016-01-24/31.25m/12/0/5119.png`), {
      ...sample,
      tms: '31.25m',
      z: 12,
      row: 0,
      col: 5119,
      ext: 'png',
    });
  });

  it('refuses to build a key that would not parse back', () => {
    const bad: Array<[TileAddress, string]> = [
      [{ ...sample, date: '2016-1-24' }, 'jpg'],
      [{ ...sample, date: '2016-02-30' }, 'jpg'],
      [{ ...sample, layer: 'a/b' }, 'jpg'],
      [{ ...sample, tms: '' }, 'jpg'],
      [{ ...sample, row: -1 }, 'jpg'],
      [{ ...sample, col: 2 ** 53 }, 'jpg'],
      [sample, 'tar.gz'],
      [sample, ''],
    ];
    for (const [tile, ext] of bad) {
      const isValidation = (e: unknown) => e instanceof AppError && e.code === errorCodes.validation;
      assert.throws(() => tileBlobKey(tile, ext), isValidation, JSON.stringify([tile, ext]));
    }
  });

  it('answers undefined for keys that are not tile keys', () => {
    for (const key of [
      `blobs/${MODIS}/2016-01-24/250m/5/5/10.jpg`,
      `tiles/${MODIS}/2016-01-24/250m/5/5/10`,
      `tiles/${MODIS}/2016-01-24/250m/5/5.jpg`,
      `tiles/x/${MODIS}/2016-01-24/250m/5/5/10.jpg`,
      `tiles//2016-01-24/250m/5/5/10.jpg`,
      `tiles/${MODIS}/2016-02-30/250m/5/5/10.jpg`,
      `tiles/${MODIS}/2016-01-24T10:00:00Z/250m/5/5/10.jpg`,
      `tiles/${MODIS}/2016-01-24/250m/05/5/10.jpg`,
      `tiles/${MODIS}/2016-01-24/250m/5/-5/10.jpg`,
      `tiles/${MODIS}/2016-01-24/250m/5/5/1e3.jpg`,
      `tiles/${MODIS}/2016-01-24/250m/5/5/99999999999999999.jpg`,
      'tiles/',
      '',
    ]) {
      assert.equal(parseTileBlobKey(key), undefined, key);
    }
  });

  it('property: parse(build(tile, ext)) gives back the tile and the extension', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.-]{1,16}$/);
    const day = fc.date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2199-12-31T00:00:00Z'),
      noInvalidDate: true,
    });
    const index = fc.nat({ max: Number.MAX_SAFE_INTEGER });
    const date = day.map((d) => d.toISOString().slice(0, 10));
    const tile = fc.record({ layer: name, date, tms: name, z: fc.nat({ max: 30 }), row: index, col: index });
    const ext = fc.stringMatching(/^[A-Za-z0-9]{1,5}$/);
    fc.assert(
      fc.property(tile, ext, (t, e) => {
        const key = tileBlobKey(t, e);
        assert.deepEqual(parseTileBlobKey(key), { ...t, ext: e });
        const { layer: _layer, ...tail } = t;
        assert.deepEqual(parseTilePathTail(`mirror/${key}`), { ...tail, ext: e });
      }),
      { numRuns: 500 },
    );
  });

  it('reads the tile from the tail of a store key or of a GIBS REST path', () => {
    const tail = { date: '2016-01-24', tms: '250m', z: 5, row: 5, col: 10, ext: 'jpg' };
    assert.deepEqual(parseTilePathTail(`tiles/${MODIS}/2016-01-24/250m/5/5/10.jpg`), tail);
    assert.deepEqual(parseTilePathTail(`mirror/epsg4326/${MODIS}/default/2016-01-24/250m/5/5/10.jpg`), tail);
    assert.deepEqual(parseTilePathTail('2016-01-24T10:00:00Z/250m/5/5/10.jpg'), {
      ...tail,
      date: '2016-01-24T10:00:00Z',
    });
    assert.equal(parseTilePathTail('bluemarble/3/2/5.jpg'), undefined);
    assert.equal(parseTilePathTail('2016-01-24x/250m/5/5/10.jpg'), undefined);
    assert.equal(parseTilePathTail('250m/5/5/10.jpg'), undefined);
  });
});
