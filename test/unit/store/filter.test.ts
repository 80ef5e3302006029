import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../../shared/errors/index.js';
import {
  EARTH_RADIUS_KM,
  dateBoundToIso,
  haversineKm,
  matchesFilter,
  recommendQuery,
  validateFilter,
} from '../../../shared/store/filter.js';
import type { Filter } from '../../../shared/store/index.js';
import type { TilePayload } from '../../../shared/store/tile-payload.js';
import { samplePayload } from '../../support/vector-store-data.js';
import { tilesErrorCodes } from '../../../shared/tiles/index.js';

const ID = '0b6f3c1e-5d7a-5c1b-9a4e-2f1d0c9b8a7e';

function point(over: Partial<TilePayload> = {}): { id: string; payload: TilePayload } {
  return {
    id: ID,
    payload: samplePayload(over),
  };
}

function refused(filter: unknown, path: string, code = 'VALIDATION'): void {
  assert.throws(
    () => validateFilter(filter),
    (error: unknown) => {
      assert.ok(error instanceof ValidationError, String(error));
      assert.equal(error.code, code);
      assert.ok(error.message.startsWith(`${path}:`), `${error.message} should start with ${path}:`);
      return true;
    },
  );
}

describe('validateFilter', () => {
  it('accepts every kind of filter, nested', () => {
    const f: Filter = {
      and: [
        { date: { gte: '2026-06-01', lte: '2026-08-31T23:59:59.999+02:00' } },
        { or: [{ bbox: [170, -10, -170, 10] }, { near: { lon: 0, lat: 0, radiusKm: 500 } }] },
        { not: { layer: ['a', 'b'] } },
        { z: [0, 8] },
        { model: ['m'] },
        { id: [ID] },
      ],
    };
    validateFilter(f);
  });

  it('refuses each malformed filter with the path of the fault', () => {
    refused(null, 'filter');
    refused([], 'filter');
    refused({}, 'filter');
    refused({ layer: ['a'], z: [1] }, 'filter');
    refused({ colour: ['red'] }, 'filter');
    refused({ and: [] }, 'filter.and');
    refused({ or: {} }, 'filter.or');
    refused({ and: [{ layer: ['a'] }, { layer: [] }] }, 'filter.and[1].layer');
    refused({ not: { z: [-1] } }, 'filter.not.z[0]');
    refused({ z: [1.5] }, 'filter.z[0]');
    refused({ layer: [''] }, 'filter.layer[0]');
    refused({ model: [3] }, 'filter.model[0]');
    refused({ id: ['not-a-uuid'] }, 'filter.id[0]');
    refused({ id: [ID.toUpperCase()] }, 'filter.id[0]');
    refused({ layer: Array.from({ length: 1001 }, () => 'a') }, 'filter.layer');
    refused({ date: {} }, 'filter.date');
    refused({ date: { gt: '2026-01-01' } }, 'filter.date');
    refused({ date: { gte: '2026-02-30' } }, 'filter.date.gte');
    refused({ date: { gte: '2026-13-01' } }, 'filter.date.gte');
    refused({ date: { lte: '2026-06-01T24:00:00Z' } }, 'filter.date.lte');
    refused({ date: { lte: '2026-06-01T00:00:00.0001Z' } }, 'filter.date.lte');
    refused({ date: { lte: '2026-06-01t00:00:00z' } }, 'filter.date.lte');
    refused({ date: { lte: 20260601 } }, 'filter.date.lte');
    refused({ date: { gte: '2026-06-02', lte: '2026-06-01' } }, 'filter.date');
    refused({ bbox: [10, 0, 10, 5] }, 'filter.bbox', tilesErrorCodes.badBbox);
    refused({ bbox: [0, 5, 10, 0] }, 'filter.bbox', tilesErrorCodes.badBbox);
    refused({ bbox: [0, 0, Number.NaN, 5] }, 'filter.bbox', tilesErrorCodes.badBbox);
    refused({ bbox: [0, 0, 190, 5] }, 'filter.bbox', tilesErrorCodes.badBbox);
    refused({ near: { lon: 0, lat: 0, radiusKm: 0 } }, 'filter.near.radiusKm');
    refused({ near: { lon: 0, lat: 0, radiusKm: Number.POSITIVE_INFINITY } }, 'filter.near.radiusKm');
    refused({ near: { lon: 181, lat: 0, radiusKm: 1 } }, 'filter.near.lon');
    refused({ near: { lon: 0, lat: Number.NaN, radiusKm: 1 } }, 'filter.near.lat');
    refused({ near: { lon: 0, lat: 0, radiusKm: 1, unit: 'mi' } }, 'filter.near');
    let deep: Filter = { z: [1] };
    for (let i = 0; i < 40; i++) deep = { not: deep };
    assert.throws(() => validateFilter(deep), ValidationError);
  });
});

describe('dateBoundToIso', () => {
  it('normalises a day to its midnight UTC on both sides, and instants with offsets to UTC', () => {
    assert.equal(dateBoundToIso('2026-06-30', 'gte'), '2026-06-30T00:00:00.000Z');
    assert.equal(dateBoundToIso('2026-06-30', 'lte'), '2026-06-30T00:00:00.000Z');
    assert.equal(dateBoundToIso('2026-06-30T02:30:00+02:00', 'lte'), '2026-06-30T00:30:00.000Z');
    assert.throws(() => dateBoundToIso('yesterday', 'gte'), ValidationError);
  });
});

describe('matchesFilter', () => {
  it('compares dates as instants, both bounds inclusive', () => {
    const p = point({ date: '2026-06-30T00:00:00Z' });
    assert.equal(matchesFilter({ date: { lte: '2026-06-30' } }, p), true);
    assert.equal(matchesFilter({ date: { gte: '2026-06-30' } }, p), true);
    assert.equal(matchesFilter({ date: { gte: '2026-06-30T00:00:00.001Z' } }, p), false);
    assert.equal(matchesFilter({ date: { lte: '2026-06-29T23:59:59.999Z' } }, p), false);
    assert.equal(matchesFilter({ date: { lte: '2026-06-30T01:00:00+01:00' } }, p), true);
  });

  it('intersects footprints as bboxesIntersect: touching edges, antimeridian boxes, the seam', () => {
    const east = point({ bbox: [144, 0, 180, 36], center: { lon: 162, lat: 18 } });
    assert.equal(matchesFilter({ bbox: [-180, 0, -170, 10] }, east), true, '180 E touches 180 W');
    assert.equal(matchesFilter({ bbox: [170, 0, -170, 10] }, east), true);
    assert.equal(matchesFilter({ bbox: [-170, 0, 140, 10] }, east), false);
    assert.equal(matchesFilter({ bbox: [100, 36, 150, 40] }, east), true, 'touching the north edge');
    assert.equal(matchesFilter({ bbox: [100, 36.0001, 150, 40] }, east), false);
    assert.equal(matchesFilter({ bbox: [-100, -10, 143.9, 40] }, east), false);
  });

  it('keeps the centre within the radius, great-circle', () => {
    const p = point({ center: { lon: 179.5, lat: 0 } });
    const d = haversineKm({ lon: 179.5, lat: 0 }, { lon: -179.5, lat: 0 });
    assert.ok(Math.abs(d - (EARTH_RADIUS_KM * Math.PI) / 180) < 1e-9, 'one degree on the equator across the seam');
    assert.equal(matchesFilter({ near: { lon: -179.5, lat: 0, radiusKm: d } }, p), true);
    assert.equal(matchesFilter({ near: { lon: -179.5, lat: 0, radiusKm: d * 0.999 } }, p), false);
  });

  it('combines with and, or, not and matches lists', () => {
    const p = point();
    assert.equal(matchesFilter({ and: [{ z: [3] }, { layer: ['x', p.payload.layer] }] }, p), true);
    assert.equal(matchesFilter({ and: [{ z: [3] }, { model: ['other'] }] }, p), false);
    assert.equal(matchesFilter({ or: [{ z: [4] }, { id: [ID] }] }, p), true);
    assert.equal(matchesFilter({ not: { or: [{ z: [4] }, { id: [ID] }] } }, p), false);
  });
});

describe('recommendQuery', () => {
  it('is avg(positive) + (avg(positive) - avg(negative)), or avg(positive)', () => {
    const a = Float32Array.from([1, 0]);
    const b = Float32Array.from([0, 1]);
    const c = Float32Array.from([1, 1]);
    assert.deepEqual([...recommendQuery([a, b])], [0.5, 0.5]);
    assert.deepEqual([...recommendQuery([a, b], [c])], [0, 0]);
    assert.deepEqual([...recommendQuery([a], [b])], [2, -1]);
  });

  it('refuses no positives, mixed lengths and non-finite values', () => {
    const a = Float32Array.from([1, 0]);
    assert.throws(() => recommendQuery([]), ValidationError);
    assert.throws(() => recommendQuery([a, Float32Array.from([1])]), ValidationError);
    assert.throws(() => recommendQuery([a], [Float32Array.from([1, 2, 3])]), ValidationError);
    assert.throws(() => recommendQuery([Float32Array.from([Number.NaN, 0])]), ValidationError);
  });
});
