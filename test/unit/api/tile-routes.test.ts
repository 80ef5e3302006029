import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { SERVING_ALIAS } from '../../../shared/store/index.js';
import { MARBLE, MODIS, openTestApi, type TestApi } from '../../support/api-fixtures.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('tiles, the embedding sample and stats', () => {
  let api: TestApi;
  before(async () => {
    api = await openTestApi();
  });
  after(async () => {
    await api.close();
  });
  const get = (url: string, headers: Record<string, string> = {}) => api.app.inject({ method: 'GET', url, headers });

  it('GET /v1/tiles/{id}: the payload, the serving collection, the model and links', async () => {
    const tile = api.tiles[7];
    const res = await get(`/v1/tiles/${tile.id}`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(body, {
      id: tile.id,
      collection: api.collection,
      model: api.model,
      payload: tile.payload,
      thumbnailUrl: `/v1/tiles/${tile.id}/thumbnail`,
      imageUrl: `/v1/tiles/${tile.id}/image`,
      worldviewUrl: body.worldviewUrl,
    });
    const worldview = new URL(body.worldviewUrl);
    assert.equal(worldview.searchParams.get('l'), `${tile.payload.layer},Coastlines_15m`);
    assert.equal(worldview.searchParams.get('t'), `${tile.payload.date.slice(0, 10)}-T00:00:00Z`);
  });

  it('GET /v1/tiles/{id}/image: the stored bytes, their type, ETag = sha256, 304 when it matches', async () => {
    const tile = api.tiles[2];
    const res = await get(`/v1/tiles/${tile.id}/image`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'image/jpeg');
    assert.deepEqual(new Uint8Array(res.rawPayload), tile.bytes);
    const sha = createHash('sha256').update(res.rawPayload).digest('hex');
    assert.equal(res.headers.etag, `"${sha}"`);
    const again = await get(`/v1/tiles/${tile.id}/image`, { 'if-none-match': `"${sha}"` });
    assert.equal(again.statusCode, 304);
    assert.equal(again.rawPayload.length, 0);
  });

  it('GET /v1/tiles/{id}/thumbnail: a JPEG of the asked size (default 128), cached, 304 on its ETag', async () => {
    const tile = api.tiles.find((t) => t.payload.layer === MODIS && t.payload.z === 2);
    assert.ok(tile);
    for (const [query, size] of [
      ['', 128],
      ['?size=32', 32],
      ['?size=512', 512],
    ] as const) {
      const res = await get(`/v1/tiles/${tile.id}/thumbnail${query}`);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'image/jpeg');
      const meta = await sharp(res.rawPayload).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.equal(Math.max(meta.width ?? 0, meta.height ?? 0), size);
      const cached = await get(`/v1/tiles/${tile.id}/thumbnail${query}`);
      assert.deepEqual(cached.rawPayload, res.rawPayload);
      const etag = String(res.headers.etag);
      assert.equal((await get(`/v1/tiles/${tile.id}/thumbnail${query}`, { 'if-none-match': etag })).statusCode, 304);
    }
    for (const size of ['31', '513', 'big', '64.5']) {
      const res = await get(`/v1/tiles/${tile.id}/thumbnail?size=${size}`);
      assert.equal(res.statusCode, 400, `size=${size}`);
      assert.match(res.json().message, /^querystring\.size: /);
    }
  });

  it('answers 404 for an unknown tile, 400 for a malformed id, 404 when the bytes are gone', async () => {
    for (const url of [`/v1/tiles/${UNKNOWN}`, `/v1/tiles/${UNKNOWN}/image`, `/v1/tiles/${UNKNOWN}/thumbnail`]) {
      const res = await get(url);
      assert.equal(res.statusCode, 404, url);
      assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'error', 'message', 'statusCode']);
      assert.equal(res.json().code, 'NOT_FOUND');
      assert.match(res.json().message, new RegExp(`no tile ${UNKNOWN} in the serving collection`));
    }
    const bad = await get('/v1/tiles/tile-1');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /params\.id: must be a UUID/);

    const tile = api.tiles[11];
    await api.deps.blobs.delete(tile.payload.tile_uri);
    const gone = await get(`/v1/tiles/${tile.id}/image`);
    assert.equal(gone.statusCode, 404);
    assert.match(gone.json().message, /is indexed, but its image .* is missing from the tile store/);
  });

  it('GET /v1/embedding-sample: the same seed gives the same points, with their stored vectors', async () => {
    const sample = async (query: string) => {
      const res = await get(`/v1/embedding-sample${query}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as {
        model: string;
        points: Array<{ id: string; vector: number[]; layer: string; date: string; thumbnailUrl: string }>;
      };
    };
    const a = await sample('?limit=20&seed=5');
    const b = await sample('?limit=20&seed=5');
    const c = await sample('?limit=20&seed=6');
    assert.equal(a.model, api.model);
    assert.equal(a.points.length, 20);
    assert.deepEqual(a, b);
    assert.notDeepEqual(
      a.points.map((p) => p.id),
      c.points.map((p) => p.id),
    );
    assert.equal(new Set(a.points.map((p) => p.id)).size, 20, 'no point twice');
    for (const p of a.points) {
      const tile = api.tiles.find((t) => t.id === p.id);
      assert.ok(tile, `${p.id} is a stored tile`);
      assert.deepEqual(Float32Array.from(p.vector), tile.vector);
      assert.equal(p.layer, tile.payload.layer);
      assert.equal(p.date, tile.payload.date.slice(0, 10));
      assert.equal(p.thumbnailUrl, `/v1/tiles/${p.id}/thumbnail`);
    }
    // more than the index holds: every point once (the scroll wraps round and stops where it began)
    const all = await sample('?limit=2000');
    assert.deepEqual(new Set(all.points.map((p) => p.id)), new Set(api.tileIds));
    assert.equal(all.points.length, api.tileIds.length);
    for (const bad of ['?limit=9', '?limit=2001', '?limit=x', '?seed=-1']) {
      const res = await get(`/v1/embedding-sample${bad}`);
      assert.equal(res.statusCode, 400, bad);
    }
  });

  it('GET /v1/stats: the fields of gibs-embed stats --json plus the model; the bus lag once there are topics', async () => {
    const res = await get('/v1/stats');
    assert.equal(res.statusCode, 200, res.body);
    const stats = res.json();
    assert.equal(stats.model, api.model);
    assert.deepEqual(stats.alias, { name: SERVING_ALIAS, collection: api.collection });
    assert.deepEqual(stats.collections, [
      { name: api.collection, dimension: api.tiles[0].vector.length, points: api.tiles.length, serving: true },
    ]);
    const count = (pred: (t: (typeof api.tiles)[number]) => boolean) => api.tiles.filter(pred).length;
    assert.deepEqual(
      stats.byLayer,
      [
        { value: MODIS, count: count((t) => t.payload.layer === MODIS) },
        { value: MARBLE, count: count((t) => t.payload.layer === MARBLE) },
      ].sort((x, y) => y.count - x.count || (x.value < y.value ? -1 : 1)),
    );
    assert.deepEqual(
      stats.byDate.map((d: { value: string }) => d.value),
      ['2016-01-24', '2020-09-20', '2020-09-27'],
    );
    assert.deepEqual(stats.byModel, [{ value: api.model, count: api.tiles.length }]);
    assert.equal(stats.embedderLag, null);
    assert.equal(stats.dlq, null);

    const bus = api.deps.bus;
    assert.ok(bus);
    await bus.ensureTopics([{ name: 'tiles.fetched' }, { name: 'tiles.dlq' }]);
    await bus.produce(
      'tiles.fetched',
      Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: '{}' })),
    );
    await bus.produce('tiles.dlq', [{ key: 'd', value: '{}' }]);
    const later = (await get('/v1/stats')).json();
    assert.equal(later.embedderLag.group, api.config.embedder.groupId);
    assert.equal(later.embedderLag.lag, 5);
    assert.deepEqual(later.dlq, { topic: 'tiles.dlq', messages: 1 });
  });
});

describe('stats and samples of an empty index', () => {
  it('stats answer with a null model; the sample is 409 INDEX_EMPTY; tiles are 404', async () => {
    const api = await openTestApi({}, { empty: true });
    try {
      const stats = (await api.app.inject({ method: 'GET', url: '/v1/stats' })).json();
      assert.equal(stats.model, null);
      assert.deepEqual(stats.alias, { name: SERVING_ALIAS, collection: null });
      assert.deepEqual(stats.collections, []);
      const sample = await api.app.inject({ method: 'GET', url: '/v1/embedding-sample' });
      assert.equal(sample.statusCode, 409);
      assert.equal(sample.json().code, 'INDEX_EMPTY');
      const tile = await api.app.inject({ method: 'GET', url: `/v1/tiles/${UNKNOWN}` });
      assert.equal(tile.statusCode, 404);
      assert.match(tile.json().message, /nothing is indexed yet/);
    } finally {
      await api.close();
    }
  });
});
