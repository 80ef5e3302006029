import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '../../../shared/errors/index.js';
import { parseCapabilities, type Capabilities } from '../../../shared/gibs/index.js';
import { planHarvest } from '../../../services/harvester/index.js';
import { kit } from '../../support/data-kit.js';

const dataDir = kit();
const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const limits = { maxTiles: 100_000 };

function rejects(fn: () => unknown, code: string, ...fragments: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ValidationError, `expected ValidationError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    for (const f of fragments) assert.match(e.message, f);
    return true;
  });
}

describe('planHarvest against the real 2017 GIBS capabilities', () => {
  let caps: Capabilities;
  before(async () => {
    caps = parseCapabilities(
      await readFile(path.join(dataDir, 'gibs/capabilities/epsg4326_best_WMTSCapabilities_2017-04-24.xml'), 'utf8'),
    );
  });

  it('expands dates × levels × tiles covering the bbox, defaulting the TMS and format from the layer', () => {
    const plan = planHarvest(
      { layer: MODIS, from: '2016-01-24', to: '2016-01-26', levels: [5, 0, 5], bbox: [-89, 37, -73, 44] },
      caps,
      limits,
    );
    assert.equal(plan.tms, '250m');
    assert.equal(plan.format, 'image/jpeg');
    assert.equal(plan.ext, 'jpg');
    assert.deepEqual(plan.levels, [0, 5]);
    assert.deepEqual(
      plan.dates.map((d) => d.date),
      ['2016-01-24', '2016-01-25', '2016-01-26'],
    );
    assert.deepEqual(plan.tilesByLevel.get(5), [
      { z: 5, row: 5, col: 10 },
      { z: 5, row: 5, col: 11 },
    ]);
    assert.deepEqual(plan.tilesByLevel.get(0), [{ z: 0, row: 0, col: 0 }]);
    assert.equal(plan.total, 3 * 3);
  });

  it('covers the world without a bbox (z2: 5x3 tiles)', () => {
    const plan = planHarvest({ layer: MODIS, from: '2016-01-24', to: '2016-01-24', levels: [2] }, caps, limits);
    assert.equal(plan.total, 15);
  });

  it('harvests a layer without a time dimension once, with TIME default, filed under the last day', () => {
    const plan = planHarvest(
      { layer: 'BlueMarble_ShadedRelief_Bathymetry', from: '2020-01-01', to: '2020-01-03', levels: [1] },
      caps,
      limits,
    );
    assert.deepEqual(plan.dates, [{ date: '2020-01-03', time: 'default' }]);
    assert.equal(plan.tms, '500m');
    assert.equal(plan.total, 6);
  });

  it('names an unknown layer and suggests near names', () => {
    rejects(
      () =>
        planHarvest(
          { layer: 'MODIS_Terra_CorrectedReflectance', from: '2016-01-24', to: '2016-01-24', levels: [0] },
          caps,
          limits,
        ),
      'UNKNOWN_LAYER',
      /"MODIS_Terra_CorrectedReflectance"/,
      /did you mean .*MODIS_Terra_CorrectedReflectance_TrueColor/,
    );
    rejects(
      () => planHarvest({ layer: 'NoSuchLayer', from: '2016-01-24', to: '2016-01-24', levels: [0] }, caps, limits),
      'UNKNOWN_LAYER',
      /NoSuchLayer/,
      /\d+ layers/,
    );
  });

  it('refuses dates outside the layer range, naming the range', () => {
    rejects(
      () => planHarvest({ layer: MODIS, from: '2009-12-31', to: '2010-01-02', levels: [0] }, caps, limits),
      'DATE_OUT_OF_RANGE',
      /from date 2009-12-31/,
      /2010-01-01 \.\. 2017-04-24/,
    );
    rejects(
      () => planHarvest({ layer: MODIS, from: '2017-04-24', to: '2017-04-25', levels: [0] }, caps, limits),
      'DATE_OUT_OF_RANGE',
      /to date 2017-04-25/,
      /2017-04-24/,
    );
  });

  it('refuses malformed or reversed dates', () => {
    rejects(
      () => planHarvest({ layer: MODIS, from: '2016-1-24', to: '2016-01-24', levels: [0] }, caps, limits),
      'BAD_DATE',
      /YYYY-MM-DD/,
      /2016-1-24/,
    );
    rejects(
      () => planHarvest({ layer: MODIS, from: '2016-02-30', to: '2016-03-01', levels: [0] }, caps, limits),
      'BAD_DATE',
      /2016-02-30/,
    );
    rejects(
      () => planHarvest({ layer: MODIS, from: '2016-01-25', to: '2016-01-24', levels: [0] }, caps, limits),
      'BAD_DATE',
      /ends before it starts/,
    );
  });

  it('refuses a level too deep for the tile matrix set, naming the allowed levels', () => {
    rejects(
      () => planHarvest({ layer: MODIS, from: '2016-01-24', to: '2016-01-24', levels: [9] }, caps, limits),
      'BAD_LEVEL',
      /level 9/,
      /250m/,
      /0\.\.8/,
    );
    rejects(
      () =>
        planHarvest(
          { layer: 'BlueMarble_ShadedRelief_Bathymetry', from: '2016-01-24', to: '2016-01-24', levels: [8] },
          caps,
          limits,
        ),
      'BAD_LEVEL',
      /0\.\.7/,
    );
    rejects(
      () => planHarvest({ layer: MODIS, from: '2016-01-24', to: '2016-01-24', levels: [] }, caps, limits),
      'BAD_LEVEL',
      /at least one level/,
    );
    rejects(
      () => planHarvest({ layer: MODIS, from: '2016-01-24', to: '2016-01-24', levels: [1.5] }, caps, limits),
      'BAD_LEVEL',
      /1\.5/,
    );
  });

  it('refuses a tile matrix set the layer does not offer', () => {
    rejects(
      () => planHarvest({ layer: MODIS, from: '2016-01-24', to: '2016-01-24', levels: [0], tms: '2km' }, caps, limits),
      'UNKNOWN_TMS',
      /2km/,
      /allowed: 250m/,
    );
  });

  it('refuses a bbox out of range', () => {
    rejects(
      () =>
        planHarvest(
          { layer: MODIS, from: '2016-01-24', to: '2016-01-24', levels: [0], bbox: [-190, 0, 10, 10] },
          caps,
          limits,
        ),
      'BAD_BBOX',
      /-190/,
    );
    rejects(
      () =>
        planHarvest(
          { layer: MODIS, from: '2016-01-24', to: '2016-01-24', levels: [0], bbox: [0, 50, 10, 10] },
          caps,
          limits,
        ),
      'BAD_BBOX',
      /minLat/,
    );
  });

  it('refuses a harvest larger than the tile limit before any request', () => {
    rejects(
      () => planHarvest({ layer: MODIS, from: '2016-01-01', to: '2016-12-31', levels: [8] }, caps, limits),
      'TOO_MANY_TILES',
      /366 dates/,
      /51200 tiles/,
      /limit is 100000/,
    );
  });
});
