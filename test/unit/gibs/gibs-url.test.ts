import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../../shared/errors/index.js';
import {
  capabilitiesUrl,
  extForFormat,
  isCapabilitiesPath,
  parseTilePath,
  tileUrl,
  gibsErrorCodes,
} from '../../../shared/gibs/index.js';
import { kit } from '../../support/data-kit.js';

const dataDir = kit();
const validation = (e: unknown): boolean => e instanceof AppError && e.retriable === false;

const sample = {
  layer: 'MODIS_Terra_CorrectedReflectance_TrueColor',
  date: '2016-01-24',
  tms: '250m',
  z: 5,
  row: 5,
  col: 10,
  ext: 'jpg',
};

describe('GIBS WMTS REST URLs', () => {
  it('builds tile and capabilities URLs', () => {
    assert.equal(
      tileUrl('https://gibs.earthdata.nasa.gov', sample),
      'https://gibs.earthdata.nasa.gov/wmts/epsg4326/best/MODIS_Terra_CorrectedReflectance_TrueColor/default/2016-01-24/250m/5/5/10.jpg',
    );
    assert.equal(
      tileUrl('http://127.0.0.1:8080/gibs/', { ...sample, date: 'default' }),
      'http://127.0.0.1:8080/gibs/wmts/epsg4326/best/MODIS_Terra_CorrectedReflectance_TrueColor/default/default/250m/5/5/10.jpg',
    );
    assert.equal(
      capabilitiesUrl('https://gibs.earthdata.nasa.gov/'),
      'https://gibs.earthdata.nasa.gov/wmts/epsg4326/best/1.0.0/WMTSCapabilities.xml',
    );
    assert.ok(isCapabilitiesPath(new URL(capabilitiesUrl('http://x')).pathname));
    assert.ok(!isCapabilitiesPath('/wmts/epsg4326/best/L/default/2016-01-24/250m/5/5/10.jpg'));
  });

  it('refuses values that would build a wrong URL', () => {
    assert.throws(() => tileUrl('gibs.earthdata.nasa.gov', sample), validation);
    assert.throws(() => tileUrl('https://x', { ...sample, layer: 'a/b' }), validation);
    assert.throws(() => tileUrl('https://x', { ...sample, layer: '../etc' }), validation);
    assert.throws(() => tileUrl('https://x', { ...sample, date: '2016-1-24' }), validation);
    assert.throws(() => tileUrl('https://x', { ...sample, z: -1 }), validation);
    assert.throws(() => tileUrl('https://x', { ...sample, col: 1.5 }), validation);
    assert.throws(() => tileUrl('https://x', { ...sample, ext: '.jpg' }), validation);
  });

  it('parses tile paths back, with or without a Time segment', () => {
    assert.deepEqual(parseTilePath(new URL(tileUrl('http://127.0.0.1:9/base', sample)).pathname), {
      projection: 'epsg4326',
      product: 'best',
      layer: sample.layer,
      style: 'default',
      time: '2016-01-24',
      tms: '250m',
      z: 5,
      row: 5,
      col: 10,
      ext: 'jpg',
    });
    // The ResourceURL of a layer without a time dimension has no Time segment.
    assert.deepEqual(
      parseTilePath('/wmts/epsg4326/best/BlueMarble_ShadedRelief_Bathymetry/default/500m/2/1/3.jpeg?x=1'),
      {
        projection: 'epsg4326',
        product: 'best',
        layer: 'BlueMarble_ShadedRelief_Bathymetry',
        style: 'default',
        time: 'default',
        tms: '500m',
        z: 2,
        row: 1,
        col: 3,
        ext: 'jpeg',
      },
    );
    assert.equal(
      parseTilePath('/wmts/epsg4326/best/L/default/2016-01-01T10:13:24Z/31.25m/11/1279/2559.png')?.time,
      '2016-01-01T10:13:24Z',
    );
    assert.equal(parseTilePath('/wmts/epsg3413/best/L/default/2017-09-05/250m/0/1/1.jpg')?.projection, 'epsg3413');
  });

  it('returns undefined for anything that is not a tile path', () => {
    for (const p of [
      '/',
      '/wmts/epsg4326/best/1.0.0/WMTSCapabilities.xml',
      '/wmts/epsg4326/best/L/default/2016-01-24/250m/5/5/x.jpg',
      '/wmts/epsg4326/best/L/default/2016-01-24/250m/5/-5/10.jpg',
      '/wmts/epsg4326/best/L/default/2016-13/250m/5/5/10.jpg',
      '/wmts/epsg4326/best/L/default/2016-01-24/250m/5/5/10',
      '/wmts/epsg4326/best/L/default/x/2016-01-24/250m/5/5/10.jpg',
      '/wmts/epsg4326/best/%E0%A4%A/default/2016-01-24/250m/5/5/10.jpg',
    ]) {
      assert.equal(parseTilePath(p), undefined, p);
    }
  });

  it('parses the path of every real sample tile', async () => {
    const root = path.join(dataDir, 'gibs/tiles');
    const files = (await readdir(root, { recursive: true })).filter((f) => /^epsg\d+\//.test(f) && f.endsWith('.jpg'));
    assert.equal(files.length, 6);
    for (const f of files) {
      const parsed = parseTilePath(
        `/wmts/${f
          .split(path.sep)
          .join('/')
          .replace(/^(epsg\d+)\//, '$1/best/')}`,
      );
      assert.ok(parsed, f);
      assert.equal(parsed.layer, 'MODIS_Terra_CorrectedReflectance_TrueColor');
      assert.equal(parsed.tms, '250m');
    }
  });

  it('property: parseTilePath inverts tileUrl', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$/);
    const date = fc
      .date({ min: new Date('1980-01-01'), max: new Date('2100-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(
        name,
        fc.oneof(date, fc.constant('default')),
        name,
        fc.nat(20),
        fc.nat(100000),
        fc.nat(100000),
        fc.constantFrom('jpg', 'png'),
        (layer, d, tms, z, row, col, ext) => {
          const url = tileUrl('http://127.0.0.1:1234/prefix', { layer, date: d, tms, z, row, col, ext });
          assert.deepEqual(parseTilePath(new URL(url).pathname), {
            projection: 'epsg4326',
            product: 'best',
            layer,
            style: 'default',
            time: d,
            tms,
            z,
            row,
            col,
            ext,
          });
          return true;
        },
      ),
    );
  });

  it('maps formats to extensions', () => {
    assert.equal(extForFormat('image/jpeg'), 'jpg');
    assert.equal(extForFormat('image/png'), 'png');
    assert.equal(extForFormat(' IMAGE/PNG '), 'png');
    assert.throws(
      () => extForFormat('text/html'),
      (e: unknown) => e instanceof AppError && e.code === gibsErrorCodes.unknownFormat,
    );
  });
});
