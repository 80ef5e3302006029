/**
 * The HTTP API under load: POST /v1/search p50/p99 latency and requests/s at several concurrency levels, with
 * autocannon (in a worker thread, so the client has its own event loop) against the app really listening on
 * 127.0.0.1:0 — search by a stored tile id without filters, the same with a date range + bbox filter, and by an
 * uploaded image (embedded per request with the serving model). The index: the API test fixture's 48 real tiles
 * (replay MODIS + Blue Marble, embedded with the promoted small checkpoint) plus seeded synthetic points around
 * them (test/support/vector-store-data.ts payloads: 4 layers, 90 days of 2026, levels 0-6), kept under the
 * store's ANN threshold so every query is an exact scan. Beside it, the same tile-id queries straight on the
 * store (no HTTP, one at a time): what the API adds. The store is compacted (a maintenance pass) before timing. `--quick`: 10 k points, concurrency 1 and 8, 3 s each.
 */
import autocannon from 'autocannon';
import type { AddressInfo } from 'node:net';
import { createRng } from '../../shared/random/index.js';
import { LanceVectorStore } from '../../shared/store/lancedb/lance-vector-store.js';
import type { Filter, VectorPoint } from '../../shared/store/index.js';
import { pointId } from '../../shared/tiles/index.js';
import { openTestApi, type TestApi } from '../support/api-fixtures.js';
import { tilePayload, unitVector } from '../support/vector-store-data.js';
import type { BenchOptions, BenchResult, BenchSuite } from './bench-result.js';
import { percentile } from './store/ground-truth.js';

const LIMIT = 20;
/** the date range + bbox case: 2016 through June 2026 over Africa and Europe */
const FILTER = { from: '2016-01-01', to: '2026-06-30', bbox: [-20, -40, 60, 60] as [number, number, number, number] };

interface Case {
  name: string;
  /** request bodies, cycled through by each connection */
  bodies: string[];
}

/** Synthetic points near the real tiles (so searches rank a mix of both), with the payloads of the store tests. */
async function addSyntheticPoints(api: TestApi, count: number): Promise<void> {
  const rng = createRng(41);
  const batch: VectorPoint[] = [];
  const seen = new Set(api.tileIds);
  let added = 0;
  while (added < count) {
    const payload = tilePayload(rng, { model: api.model });
    const id = pointId(payload.layer, payload.date.slice(0, 10), payload.tms, payload.z, payload.row, payload.col);
    if (seen.has(id)) continue;
    seen.add(id);
    const near = api.tiles[rng.int(api.tiles.length)].vector;
    batch.push({
      id,
      payload,
      vector: unitVector(Array.from(near, (v) => v + (0.3 * rng.normal()) / Math.sqrt(near.length))),
    });
    added++;
    if (batch.length === 5000 || added === count) {
      await api.deps.store.upsert(api.collection, batch.splice(0));
    }
  }
}

async function load(url: string, c: Case, connections: number, duration: number): Promise<autocannon.Result> {
  const result = await autocannon({
    url,
    connections,
    duration,
    workers: 1,
    requests: c.bodies.map((body) => ({
      method: 'POST',
      path: '/v1/search',
      headers: { 'content-type': 'application/json' },
      body,
    })),
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0)
    throw new Error(
      `${c.name} at ${connections} connections: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  return result;
}

export const benchApi: BenchSuite = async (options: BenchOptions): Promise<BenchResult[]> => {
  const { quick } = options;
  const synthetic = quick ? 10_000 : 45_000;
  const levels = quick ? [1, 8] : [1, 8, 32];
  const duration = quick ? 3 : 6;
  const results: BenchResult[] = [];
  const api = await openTestApi({ 'api.rateLimit': 0, 'log.level': 'silent' });
  try {
    await addSyntheticPoints(api, synthetic);
    // fragments folded now (what the background maintenance does within a minute), not in the middle of a measurement
    if (api.deps.store instanceof LanceVectorStore) await api.deps.store.maintain();
    const points = await api.deps.store.count(api.collection);
    const dim = api.tiles[0].vector.length;
    const filterOfCase: Filter = {
      and: [{ date: { gte: FILTER.from, lte: FILTER.to } }, { bbox: FILTER.bbox }],
    };
    const selectivity = (await api.deps.store.count(api.collection, filterOfCase)) / points;

    const realIds = api.tileIds;
    const images = api.tiles.slice(0, 12).map((t) => Buffer.from(t.bytes).toString('base64'));
    const cases: Case[] = [
      {
        name: 'tile id, no filter',
        bodies: realIds.map((id) => JSON.stringify({ positives: [{ tileId: id }], limit: LIMIT })),
      },
      {
        name: 'tile id, date range + bbox',
        bodies: realIds.map((id) => JSON.stringify({ positives: [{ tileId: id }], filter: FILTER, limit: LIMIT })),
      },
      {
        name: 'uploaded image',
        bodies: images.map((image, i) =>
          JSON.stringify({ positives: [{ image, name: `tile-${i}.jpg` }], limit: LIMIT }),
        ),
      },
    ];

    await api.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
    // each case answers what it should before it is timed
    for (const c of cases) {
      const res = await fetch(`${url}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: c.bodies[0],
      });
      const body = (await res.json()) as { hits?: unknown[] };
      if (res.status !== 200 || body.hits?.length !== LIMIT)
        throw new Error(`${c.name}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      await load(url, c, 4, 1); // warm-up: model loaded, store pages cached, JIT
    }

    const common = { points, dim, limit: LIMIT, duration };
    const throughputAt = new Map<string, number>();
    for (const c of cases) {
      for (const connections of levels) {
        const r = await load(url, c, connections, duration);
        const params = {
          ...common,
          connections,
          requests: r.requests.total,
          ...(c.name.includes('bbox') ? { selectivity: Number(selectivity.toFixed(4)) } : {}),
        };
        results.push({
          suite: 'api',
          name: `search ${c.name} p50, ${connections} conn`,
          value: r.latency.p50,
          unit: 'ms',
          params,
        });
        results.push({
          suite: 'api',
          name: `search ${c.name} p99, ${connections} conn`,
          value: r.latency.p99,
          unit: 'ms',
          params,
        });
        const baseline = throughputAt.get(`tile id, no filter/${connections}`);
        throughputAt.set(`${c.name}/${connections}`, r.requests.average);
        results.push({
          suite: 'api',
          name: `search ${c.name} throughput, ${connections} conn`,
          value: r.requests.average,
          unit: 'req/s',
          params,
          ...(baseline !== undefined && c.name !== 'tile id, no filter'
            ? { ratio: { baseline: 'tile id, no filter', value: r.requests.average / baseline } }
            : {}),
        });
      }
    }

    // the store alone, one query at a time, as the API asks it for a tile id (its vector, itself left out)
    const latencies: number[] = [];
    const rounds = quick ? 2 : 4;
    for (let round = 0; round < rounds; round++) {
      for (const tile of api.tiles) {
        const t0 = performance.now();
        await api.deps.store.search(api.collection, {
          vector: tile.vector,
          limit: LIMIT,
          filter: { not: { id: [tile.id] } },
        });
        latencies.push(performance.now() - t0);
      }
    }
    const apiP50 = results.find((r) => r.name === 'search tile id, no filter p50, 1 conn')?.value;
    const storeP50 = percentile(latencies, 0.5);
    results.push({
      suite: 'api',
      name: 'store search p50 (no HTTP), tile vector, no filter',
      value: storeP50,
      unit: 'ms',
      params: {
        points,
        dim,
        limit: LIMIT,
        queries: latencies.length,
        p99: Number(percentile(latencies, 0.99).toFixed(2)),
      },
      ...(apiP50 !== undefined ? { ratio: { baseline: 'API p50 at 1 conn', value: storeP50 / apiP50 } } : {}),
    });
  } finally {
    await api.close();
  }
  return results;
};
