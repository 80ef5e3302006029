import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRng } from '../../../shared/random/index.js';
import { haversineKm, matchesFilter } from '../../../shared/store/filter.js';
import type { Filter, VectorPoint } from '../../../shared/store/index.js';
import { filterToSql, sqlString } from '../../../shared/store/lancedb/filter-sql.js';
import { LanceVectorStore } from '../../../shared/store/lancedb/lance-vector-store.js';
import { randomFilter, tilePoints } from '../../support/vector-store-data.js';

// filterToSql is checked where it runs: counts from a real LanceDB table against matchesFilter
describe('filterToSql on LanceDB equals matchesFilter', () => {
  let dir: string;
  let store: LanceVectorStore;
  let points: VectorPoint[];
  const expected = (filter: Filter) => points.filter((p) => matchesFilter(filter, p)).length;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lance-sql-'));
    store = await LanceVectorStore.open({
      path: dir,
      exactBelowSelectivity: 1,
      indexMinRows: 1e6,
      maintenanceIntervalMs: 600_000,
    });
    await store.ensureCollection('c', 4);
    points = tilePoints(3, 1500, 4);
    await store.upsert('c', points);
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('selects the same points for 300 random filter trees', async () => {
    const rng = createRng(4);
    let nonTrivial = 0;
    for (let i = 0; i < 300; i++) {
      const filter = randomFilter(rng, points, 4);
      const want = expected(filter);
      if (want > 0 && want < points.length) nonTrivial++;
      assert.equal(await store.count('c', filter), want, JSON.stringify(filter));
    }
    assert.ok(nonTrivial > 200, `${nonTrivial} filters kept some but not all points`);
  });

  it('keeps a centre lying exactly on the radius (the SQL haversine rounds as the JS one)', async () => {
    const rng = createRng(5);
    for (let i = 0; i < 150; i++) {
      const p = points[rng.int(points.length)];
      const q = points[rng.int(points.length)].payload.center;
      const radiusKm = haversineKm(p.payload.center, q);
      if (radiusKm === 0) continue;
      const filter: Filter = { and: [{ near: { lon: q.lon, lat: q.lat, radiusKm } }, { id: [p.id] }] };
      assert.equal(matchesFilter(filter, p), true);
      assert.equal(await store.count('c', filter), 1, JSON.stringify(filter));
    }
  });

  it('handles the seam, touching edges and numbers printed in exponent form', async () => {
    const filters: Filter[] = [
      { bbox: [180 - 1e-7, -90, -180 + 1e-7, 90] },
      { bbox: [-180, -90, -179.9999999, 90] },
      { bbox: [179.99999, 1e-7, 180, 5e-7] },
      { near: { lon: 0, lat: 0, radiusKm: 1e-7 } },
      { not: { bbox: [-180, -90, 180, 90] } },
      { date: { gte: '2026-06-15', lte: '2026-06-15' } },
      { date: { gte: '2026-06-15T00:00:00.001Z' } },
    ];
    for (const filter of filters)
      assert.equal(await store.count('c', filter), expected(filter), JSON.stringify(filter));
    assert.equal(await store.count('c', { not: { bbox: [-180, -90, 180, 90] } }), 0);
  });
});

describe('sqlString', () => {
  it('doubles quotes and leaves everything else literal', () => {
    assert.equal(sqlString("O'Brien"), "'O''Brien'");
    assert.equal(sqlString('a\\b'), "'a\\b'");
    assert.equal(filterToSql({ layer: ["x' OR '1'='1"] }).certain, "layer IN ('x'' OR ''1''=''1')");
  });
});
