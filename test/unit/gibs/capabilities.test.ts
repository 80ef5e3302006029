import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { AppError } from '../../../shared/errors/index.js';
import {
  type Capabilities,
  extForFormat,
  latestDate,
  layerHasDate,
  parseCapabilities,
  gibsErrorCodes,
} from '../../../shared/gibs/index.js';
import { kit } from '../../support/data-kit.js';

const capsDir = kit('gibs/capabilities');
const badCaps = (e: unknown): boolean =>
  e instanceof AppError && e.code === gibsErrorCodes.badCapabilities && e.retriable === false;

function wmts(contents: string): string {
  return `<?xml version="1.0"?><Capabilities xmlns="http://www.opengis.net/wmts/1.0" xmlns:ows="http://www.opengis.net/ows/1.1" version="1.0.0"><Contents>${contents}</Contents></Capabilities>`;
}

function layerXml(id: string, values: string[], extra = ''): string {
  const dim = values.length
    ? `<Dimension><ows:Identifier>Time</ows:Identifier><Default>${values[0].split('/')[0]}</Default>${values.map((v) => `<Value>${v}</Value>`).join('')}</Dimension>`
    : '';
  return `<Layer><ows:Title>T &amp; ${id}</ows:Title><ows:Identifier>${id}</ows:Identifier><Format>image/png</Format>${dim}<TileMatrixSetLink><TileMatrixSet>2km</TileMatrixSet></TileMatrixSetLink>${extra}</Layer>`;
}

describe('WMTS capabilities parser', () => {
  let xml: string;
  let caps: Capabilities;
  before(async () => {
    xml = await readFile(path.join(capsDir, 'epsg4326_best_WMTSCapabilities_2017-04-24.xml'), 'utf8');
    caps = parseCapabilities(xml);
  });

  it('reads all 499 layers of the real 2017 document: 468 PNG, 31 JPEG', () => {
    assert.equal(caps.layers.size, 499);
    assert.deepEqual(caps.problems, []);
    const formats = [...caps.layers.values()].map((l) => l.formats.join(','));
    assert.equal(formats.filter((f) => f === 'image/png').length, 468);
    assert.equal(formats.filter((f) => f === 'image/jpeg').length, 31);
    for (const layer of caps.layers.values()) {
      assert.ok(layer.tileMatrixSets.length > 0, layer.id);
      for (const tms of layer.tileMatrixSets) assert.ok(caps.tileMatrixSets.has(tms), `${layer.id} → ${tms}`);
      assert.ok(layer.resourceUrlTemplate?.includes(`/${layer.id}/default/`), layer.id);
      extForFormat(layer.formats[0]);
    }
  });

  it('reads MODIS Terra true colour as 2010-01-01/2017-04-24/P1D on the 250m set', () => {
    const modis = caps.layers.get('MODIS_Terra_CorrectedReflectance_TrueColor');
    assert.ok(modis);
    assert.deepEqual(modis, {
      id: 'MODIS_Terra_CorrectedReflectance_TrueColor',
      title: 'Corrected Reflectance (True Color, MODIS, Terra)',
      formats: ['image/jpeg'],
      tileMatrixSets: ['250m'],
      time: { default: '2017-04-24', intervals: [{ start: '2010-01-01', end: '2017-04-24', period: 'P1D' }] },
      resourceUrlTemplate:
        'https://gibs.earthdata.nasa.gov/wmts/epsg4326/best/MODIS_Terra_CorrectedReflectance_TrueColor/default/{Time}/{TileMatrixSet}/{TileMatrix}/{TileRow}/{TileCol}.jpeg',
      bbox: [-180, -90, 180, 90],
    });
    assert.equal(caps.layers.get('VIIRS_SNPP_CorrectedReflectance_TrueColor')?.time?.intervals[0].start, '2015-11-24');
  });

  it('reads layers without a time dimension', () => {
    const marble = caps.layers.get('BlueMarble_ShadedRelief_Bathymetry');
    assert.ok(marble);
    assert.equal(marble.time, undefined);
    assert.deepEqual(marble.tileMatrixSets, ['500m']);
    assert.equal(caps.layers.get('VIIRS_CityLights_2012')?.time, undefined);
    const untimed = [...caps.layers.values()].filter((l) => !l.time).length;
    assert.equal(untimed, 499 - 484);
  });

  it('reads layers with several intervals, monthly, yearly and date-time steps', () => {
    const multi = [...caps.layers.values()].filter((l) => (l.time?.intervals.length ?? 0) > 1);
    assert.equal(multi.length, 35);
    const weekly = caps.layers.get('Aquarius_Soil_Moisture_Weekly');
    assert.equal(weekly?.time?.intervals.length, 6);
    assert.deepEqual(weekly?.time?.intervals[0], { start: '2011-08-25', end: '2011-08-25', period: 'P2D' });
    const periods = new Set([...caps.layers.values()].flatMap((l) => l.time?.intervals.map((i) => i.period) ?? []));
    for (const p of ['P1D', 'P1M', 'P1Y', 'P8D', 'P3M', 'P7D']) assert.ok(periods.has(p), p);
    const aster = caps.layers.get('ASTER_L1T_Radiance_Terrain_Corrected');
    assert.deepEqual(aster?.time, {
      default: '2016-12-31T23:18:30Z',
      intervals: [{ start: '2016-01-01T10:13:24Z', end: '2016-12-31T23:18:30Z', period: 'P1D' }],
    });
    // The default is the latest grid date for all but 16 layers, whose last interval ends off its own grid
    // (8-day SST restarting on 1 January, CCMP monthly starting on the 2nd, ASTER's date-time end): the
    // end there is served as the previous grid step, so it is not a date of its own.
    const offGrid = [...caps.layers.values()].filter((l) => l.time?.default && !layerHasDate(l, l.time.default));
    assert.equal(offGrid.length, 16);
    assert.ok(
      offGrid.every((l) => /_8Day$|^CCMP_.*_Monthly$|^ASTER_/.test(l.id)),
      offGrid.map((l) => l.id).join(),
    );
    const sst = caps.layers.get('MODIS_Terra_L3_SST_Thermal_4km_Day_8Day');
    assert.ok(sst);
    assert.equal(latestDate(sst), '2017-03-24');
    for (const layer of caps.layers.values()) {
      if (!layer.time?.default || offGrid.includes(layer)) continue;
      assert.ok(layerHasDate(layer, layer.time.default), layer.id);
    }
  });

  it('reads the TileMatrixSets', () => {
    assert.deepEqual([...caps.tileMatrixSets.keys()], ['16km', '2km', '1km', '500m', '250m', '31.25m', '15.625m']);
    const l0 = caps.tileMatrixSets.get('250m')?.levels[0];
    assert.equal(l0?.scaleDenominator, 223632905.6114871);
    assert.deepEqual(
      caps.tileMatrixSets
        .get('250m')
        ?.levels.map((l) => [l.matrixWidth, l.matrixHeight])
        .slice(-1),
      [[320, 160]],
    );
  });

  it('parses the 1.1 MB document quickly (measured, reported)', (t) => {
    parseCapabilities(xml);
    const n = 5;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) parseCapabilities(xml);
    const ms = (performance.now() - t0) / n;
    t.diagnostic(`parseCapabilities 1.1 MB: ${ms.toFixed(0)} ms`);
    assert.ok(ms < 3000, `${ms} ms`); // catches pathologies only; the machine is shared
  });

  it('refuses malformed XML and documents that are not WMTS capabilities', async () => {
    const wms = await readFile(path.join(capsDir, 'onearth_test_WMS_GetCapabilities_1.3.0.xml'), 'utf8');
    const wms111 = await readFile(path.join(capsDir, 'onearth_test_WMS_GetCapabilities_1.1.1.xml'), 'utf8');
    const tms = await readFile(path.join(capsDir, 'onearth_tilematrixsets.xml'), 'utf8');
    const cases: Record<string, string> = {
      empty: '',
      text: 'Service Unavailable',
      html: '<html><body><h1>503</h1></body></html>',
      truncated: xml.slice(0, Math.floor(xml.length / 2)),
      'unclosed tag': '<Capabilities><Contents><Layer></Contents></Capabilities>',
      'no contents': '<Capabilities version="1.0.0"></Capabilities>',
      'empty contents': wmts(''),
      'WMS 1.3.0': wms,
      'WMS 1.1.1': wms111,
      'TileMatrixSets file': tms,
      'TileMatrixSet without levels': wmts('<TileMatrixSet><ows:Identifier>x</ows:Identifier></TileMatrixSet>'),
    };
    for (const [name, doc] of Object.entries(cases)) assert.throws(() => parseCapabilities(doc), badCaps, name);
  });

  it('leaves out a broken layer, names it, and keeps the rest', () => {
    const doc = wmts(
      layerXml('Good', ['2020-01-01/2020-12-01/P1M']) +
        layerXml('BadTime', ['2020-13-01/2020-12-01/P1M']) +
        layerXml('BadPeriod', ['2020-01-01/2020-12-01/P1Q']) +
        layerXml('Backwards', ['2020-02-01/2020-01-01/P1D']) +
        layerXml('Good', ['2021-01-01']) +
        '<Layer><Format>image/png</Format></Layer>' +
        layerXml('Listed', ['2020-01-01,2020-01-05', '2020-02-01/2020-02-03/P1D']) +
        layerXml('Untimed', []) +
        '<Layer><ows:Title xml:lang="en">English</ows:Title><ows:Title xml:lang="fr">Français</ows:Title><ows:Identifier>Bilingual</ows:Identifier><Format>image/jpeg</Format></Layer>',
    );
    const c = parseCapabilities(doc);
    assert.deepEqual([...c.layers.keys()], ['Good', 'Listed', 'Untimed', 'Bilingual']);
    assert.equal(c.layers.get('Bilingual')?.title, 'English');
    assert.equal(c.layers.get('Good')?.title, 'T & Good');
    assert.equal(c.layers.get('Good')?.time?.intervals.length, 1);
    assert.deepEqual(c.layers.get('Listed')?.time?.intervals, [
      { start: '2020-01-01', end: '2020-01-01', period: 'P1D' },
      { start: '2020-01-05', end: '2020-01-05', period: 'P1D' },
      { start: '2020-02-01', end: '2020-02-03', period: 'P1D' },
    ]);
    assert.equal(c.problems.length, 5);
    for (const id of ['BadTime', 'BadPeriod', 'Backwards', 'Good', 'no identifier']) {
      assert.ok(
        c.problems.some((p) => p.includes(id)),
        `${id} in ${c.problems.join(' | ')}`,
      );
    }
  });
});
