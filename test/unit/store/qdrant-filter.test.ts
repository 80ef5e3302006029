import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ValidationError } from '../../../shared/errors/index.js';
import { haversineKm, matchesFilter } from '../../../shared/store/filter.js';
import type { Filter, TilePayload } from '../../../shared/store/index.js';
import { toQdrantFilter, type QdrantCondition, type QdrantFilter } from '../../../shared/store/qdrant/qdrant-filter.js';
import { PAYLOAD_INDEXES, indexFields, toStoredPayload } from '../../../shared/store/qdrant/qdrant-payload.js';
import { tileCenter, type Bbox } from '../../../shared/tiles/index.js';

/**
 * A small evaluator of exactly the Qdrant filter JSON the translation emits, with Qdrant's documented
 * semantics (must: all, should: at least one, must_not: none; range bounds inclusive; match.any; has_id;
 * geo_radius: haversine on the mean Earth radius 6371008.8 m, strictly inside). It throws on any other shape,
 * so an unexpected construct fails the test instead of being read generously.
 */
const MEAN_EARTH_RADIUS_M = 6371008.8;

function haversineM(a: { lon: number; lat: number }, b: { lon: number; lat: number }): number {
  const rad = (d: number): number => (d * Math.PI) / 180;
  const h =
    Math.sin(rad(b.lat - a.lat) / 2) ** 2 +
    Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
  return 2 * MEAN_EARTH_RADIUS_M * Math.asin(Math.sqrt(h));
}

type Stored = Record<string, unknown>;
const indexed = new Map(PAYLOAD_INDEXES.map(({ field, type }) => [field, type]));

function clauses(list: unknown, name: string): QdrantCondition[] | undefined {
  if (list === undefined) return undefined;
  assert.ok(Array.isArray(list) && list.length > 0, `${name} must be a non-empty list, got ${JSON.stringify(list)}`);
  return list as QdrantCondition[];
}

function evalFilter(filter: QdrantFilter, id: string, stored: Stored): boolean {
  const keys = Object.keys(filter);
  assert.ok(keys.length > 0 && keys.every((k) => ['must', 'should', 'must_not'].includes(k)), `filter keys ${keys}`);
  const must = clauses(filter.must, 'must');
  const should = clauses(filter.should, 'should');
  const mustNot = clauses(filter.must_not, 'must_not');
  return (
    (must ?? []).every((c) => evalCondition(c, id, stored)) &&
    (should === undefined || should.some((c) => evalCondition(c, id, stored))) &&
    !(mustNot ?? []).some((c) => evalCondition(c, id, stored))
  );
}

function evalCondition(condition: QdrantCondition, id: string, stored: Stored): boolean {
  if ('has_id' in condition) {
    assert.deepEqual(Object.keys(condition), ['has_id']);
    return condition.has_id.includes(id);
  }
  if (!('key' in condition)) return evalFilter(condition, id, stored);
  const { key } = condition;
  const type = indexed.get(key);
  assert.ok(type !== undefined, `condition on ${key}, which has no payload index`);
  assert.equal(Object.keys(condition).length, 2, JSON.stringify(condition));
  const value = stored[key];
  if ('match' in condition) {
    assert.ok(type === 'keyword' || type === 'integer', `match on a ${type} field`);
    assert.deepEqual(Object.keys(condition.match), ['any']);
    return (condition.match.any as unknown[]).includes(value);
  }
  if ('range' in condition) {
    const { gte, lte } = condition.range;
    assert.ok(Object.keys(condition.range).every((k) => k === 'gte' || k === 'lte'));
    if (type === 'datetime') {
      const at = Date.parse(value as string);
      return (
        (gte === undefined || at >= Date.parse(gte as string)) && (lte === undefined || at <= Date.parse(lte as string))
      );
    }
    assert.equal(type, 'float');
    assert.ok(typeof gte !== 'string' && typeof lte !== 'string', 'a float range with string bounds');
    const v = value as number;
    return (gte === undefined || v >= gte) && (lte === undefined || v <= lte);
  }
  if ('geo_radius' in condition) {
    assert.equal(type, 'geo');
    return haversineM(condition.geo_radius.center, value as { lon: number; lat: number }) < condition.geo_radius.radius;
  }
  assert.fail(`unknown condition ${JSON.stringify(condition)}`);
}

// ---- random points and filters, weighted towards the edges (the seam, touching boxes, bound days) ----

const LAYERS = [
  'MODIS_Terra_CorrectedReflectance_TrueColor',
  'VIIRS_SNPP_CorrectedReflectance_TrueColor',
  'BlueMarble',
];
const MODELS = ['ckpt-a', 'ckpt-b'];
const IDS = Array.from({ length: 6 }, (_, i) => `0b6f3c1e-5d7a-5c1b-9a4e-2f1d0c9b8a7${i}`);
const LONS = [-180, -179.5, -170, -90, -45, 0, 10, 45, 90, 170, 179.5, 180];
const LATS = [-90, -60, -10, 0, 10, 36, 60, 90];

const lon = fc.oneof(fc.constantFrom(...LONS), fc.double({ min: -180, max: 180, noNaN: true }));
const lat = fc.oneof(fc.constantFrom(...LATS), fc.double({ min: -90, max: 90, noNaN: true }));
const day = fc
  .integer({ min: 0, max: 60 })
  .map((d) => new Date(Date.UTC(2026, 5, 1) + d * 86_400_000).toISOString().slice(0, 10));

/** a footprint as validatePoints accepts it: in the world, not crossing, minLon < maxLon, minLat < maxLat */
const footprint: fc.Arbitrary<Bbox> = fc
  .tuple(lon, lon, lat, lat)
  .filter(([a, b, c, d]) => a !== b && c !== d)
  .map(([a, b, c, d]) => [Math.min(a, b), Math.min(c, d), Math.max(a, b), Math.max(c, d)]);

const point = fc
  .record({
    id: fc.constantFrom(...IDS),
    bbox: footprint,
    layer: fc.constantFrom(...LAYERS),
    model: fc.constantFrom(...MODELS),
    z: fc.integer({ min: 0, max: 4 }),
    day,
  })
  .map(({ id, bbox, layer, model, z, day: d }): { id: string; payload: TilePayload } => ({
    id,
    payload: {
      layer,
      date: `${d}T00:00:00Z`,
      tms: '250m',
      z,
      row: 0,
      col: 0,
      bbox,
      center: tileCenter(bbox),
      model,
      tile_uri: 'tiles/x.jpg',
      sha256: 'a'.repeat(64),
      ingested_at: '2026-08-01T00:00:00Z',
    },
  }));

/** any box validateBbox accepts, antimeridian-crossing ones included */
const queryBox: fc.Arbitrary<Bbox> = fc
  .tuple(lon, lon, lat, lat)
  .filter(([a, b, c, d]) => a !== b && c !== d)
  .map(([a, b, c, d]) => [a, Math.min(c, d), b, Math.max(c, d)]);

const bound = fc.oneof(
  day,
  day.map((d) => `${d}T12:00:00+02:00`),
  day.map((d) => `${d}T00:00:00.001Z`),
);

const leaf: fc.Arbitrary<Filter> = fc.oneof(
  fc
    .tuple(fc.option(bound, { nil: undefined }), fc.option(bound, { nil: undefined }))
    .filter(([g, l]) => g !== undefined || l !== undefined)
    .map(([g, l]) => {
      const [gte, lte] =
        g !== undefined &&
        l !== undefined &&
        Date.parse(g.length === 10 ? `${g}T00:00:00Z` : g) > Date.parse(l.length === 10 ? `${l}T00:00:00Z` : l)
          ? [l, g]
          : [g, l];
      return { date: { ...(gte === undefined ? {} : { gte }), ...(lte === undefined ? {} : { lte }) } };
    }),
  queryBox.map((bbox) => ({ bbox })),
  fc.record({ lon, lat, radiusKm: fc.double({ min: 1, max: 8000, noNaN: true }) }).map((near) => ({ near })),
  fc.uniqueArray(fc.constantFrom(...LAYERS), { minLength: 1 }).map((layer) => ({ layer })),
  fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1 }).map((z) => ({ z })),
  fc.uniqueArray(fc.constantFrom(...MODELS), { minLength: 1 }).map((model) => ({ model })),
  fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 3 }).map((id) => ({ id })),
);

const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map((and) => ({ and })),
    fc.array(tie('filter'), { minLength: 1, maxLength: 3 }).map((or) => ({ or })),
    tie('filter').map((not) => ({ not })),
  ),
})).filter;

function agrees(filter: Filter, p: { id: string; payload: TilePayload }): boolean {
  return evalFilter(toQdrantFilter(filter), p.id, toStoredPayload(p.payload) as Stored) === matchesFilter(filter, p);
}

describe('toQdrantFilter', () => {
  it('selects exactly the points matchesFilter selects, on random filters and points', () => {
    let selected = 0;
    let total = 0;
    fc.assert(
      fc.property(filterArb, fc.array(point, { minLength: 1, maxLength: 20 }), (filter, points) => {
        for (const p of points) {
          total++;
          if (matchesFilter(filter, p)) selected++;
          if (!agrees(filter, p)) return false;
        }
        return true;
      }),
      { numRuns: 3000 },
    );
    // not vacuous: both outcomes occur often
    assert.ok(selected > total * 0.1 && selected < total * 0.9, `${selected} of ${total} selected`);
  });

  it('agrees on bbox filters at the seam and on touching edges', () => {
    let hits = 0;
    fc.assert(
      fc.property(queryBox, point, (bbox, p) => {
        if (matchesFilter({ bbox }, p)) hits++;
        return agrees({ bbox }, p);
      }),
      { numRuns: 20_000 },
    );
    assert.ok(hits > 1000, `${hits} intersecting`);
    const at = (bbox: Bbox): { id: string; payload: TilePayload } => ({
      id: IDS[0],
      payload: { ...fc.sample(point, { numRuns: 1, seed: 1 })[0].payload, bbox, center: tileCenter(bbox) },
    });
    // footprint ending at 180 vs a box starting at -180, and the mirror case; a box crossing the antimeridian
    const cases: Array<[Bbox, Bbox, boolean]> = [
      [[170, 0, 180, 10], [-180, 0, -170, 10], true],
      [[-180, 0, -170, 10], [170, 0, 180, 10], true],
      [[-180, 0, -170, 10], [170, 0, -175, 10], true],
      [[100, 0, 120, 10], [170, 0, -175, 10], false],
      [[0, 0, 10, 10], [10, 10, 20, 20], true],
      [[0, 0, 10, 10], [10.5, 0, 20, 10], false],
      [[0, 0, 10, 10], [0, 10.5, 10, 20], false],
    ];
    for (const [fp, box, expected] of cases) {
      const p = at(fp);
      assert.equal(matchesFilter({ bbox: box }, p), expected, `${fp} vs ${box} (ground truth)`);
      assert.ok(agrees({ bbox: box }, p), `${fp} vs ${box}`);
    }
  });

  it('agrees on near filters whose circle passes just inside or outside the centre', () => {
    let inside = 0;
    fc.assert(
      fc.property(point, lon, lat, fc.constantFrom(1 - 1e-6, 1 + 1e-6), (p, cLon, cLat, factor) => {
        const distance = haversineKm(p.payload.center, { lon: cLon, lat: cLat });
        fc.pre(distance > 1);
        const filter: Filter = { near: { lon: cLon, lat: cLat, radiusKm: distance * factor } };
        if (matchesFilter(filter, p)) inside++;
        return agrees(filter, p);
      }),
      { numRuns: 5000 },
    );
    assert.ok(inside > 1000 && inside < 4000, `${inside} inside`);
  });

  it('writes each leaf as the documented Qdrant condition', () => {
    assert.deepEqual(toQdrantFilter({ layer: ['a', 'b'] }), { must: [{ key: 'layer', match: { any: ['a', 'b'] } }] });
    assert.deepEqual(toQdrantFilter({ z: [0, 8] }), { must: [{ key: 'z', match: { any: [0, 8] } }] });
    assert.deepEqual(toQdrantFilter({ model: ['m'] }), { must: [{ key: 'model', match: { any: ['m'] } }] });
    assert.deepEqual(toQdrantFilter({ id: [IDS[0]] }), { must: [{ has_id: [IDS[0]] }] });
    assert.deepEqual(toQdrantFilter({ date: { gte: '2026-06-01', lte: '2026-06-30T12:00:00+02:00' } }), {
      must: [{ key: 'date', range: { gte: '2026-06-01T00:00:00.000Z', lte: '2026-06-30T10:00:00.000Z' } }],
    });
    assert.deepEqual(toQdrantFilter({ date: { lte: '2026-06-30' } }), {
      must: [{ key: 'date', range: { lte: '2026-06-30T00:00:00.000Z' } }],
    });
    assert.deepEqual(toQdrantFilter({ near: { lon: 10, lat: -20, radiusKm: 2.5 } }), {
      must: [{ key: 'center', geo_radius: { center: { lon: 10, lat: -20 }, radius: 2500 } }],
    });
  });

  it('writes a bbox as latitude ranges and, per antimeridian part, overlap or seam contact', () => {
    const { west, south, east, north } = indexFields;
    assert.deepEqual(toQdrantFilter({ bbox: [10, 20, 30, 40] }), {
      must: [
        { key: south, range: { lte: 40 } },
        { key: north, range: { gte: 20 } },
        {
          should: [
            {
              must: [
                { key: west, range: { lte: 30 } },
                { key: east, range: { gte: 10 } },
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(toQdrantFilter({ bbox: [170, -10, -170, 10] }), {
      must: [
        { key: south, range: { lte: 10 } },
        { key: north, range: { gte: -10 } },
        {
          should: [
            {
              must: [
                { key: west, range: { lte: 180 } },
                { key: east, range: { gte: 170 } },
              ],
            },
            { key: west, range: { lte: -180 } },
            {
              must: [
                { key: west, range: { lte: -170 } },
                { key: east, range: { gte: -180 } },
              ],
            },
            { key: east, range: { gte: 180 } },
          ],
        },
      ],
    });
  });

  it('nests and / or / not as must / should / must_not', () => {
    const l = { key: 'layer', match: { any: ['a'] } };
    const z = { key: 'z', match: { any: [1] } };
    assert.deepEqual(toQdrantFilter({ and: [{ layer: ['a'] }, { z: [1] }] }), { must: [l, z] });
    assert.deepEqual(toQdrantFilter({ or: [{ layer: ['a'] }, { z: [1] }] }), { should: [l, z] });
    assert.deepEqual(toQdrantFilter({ not: { layer: ['a'] } }), { must_not: [l] });
    assert.deepEqual(toQdrantFilter({ and: [{ not: { or: [{ layer: ['a'] }, { z: [1] }] } }] }), {
      must: [{ must_not: [{ should: [l, z] }] }],
    });
  });

  it('refuses a malformed filter with a ValidationError naming the path, before anything is built', () => {
    for (const [bad, path] of [
      [{ layer: [] }, 'filter.layer'],
      [{ or: [] }, 'filter.or'],
      [{ and: [{ bbox: [10, 0, 10, 5] }] }, 'filter.and[0].bbox'],
      [{ near: { lon: 0, lat: 0, radiusKm: 0 } }, 'filter.near.radiusKm'],
      [{ date: { gte: '2026-02-30' } }, 'filter.date.gte'],
      [{ id: ['X'] }, 'filter.id[0]'],
      [{ colour: 'red' }, 'filter'],
    ] as const) {
      assert.throws(
        () => toQdrantFilter(bad),
        (error: unknown) => error instanceof ValidationError && error.message.startsWith(`${path}:`),
        JSON.stringify(bad),
      );
    }
  });
});
