import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { Filter, VectorPoint } from '../../../shared/store/index.js';
import { MARBLE, MODIS, openTestApi, type TestApi } from '../../support/api-fixtures.js';
import { kit } from '../../support/data-kit.js';
import { bruteForce, recommendQuery } from '../../support/search-fixtures.js';

interface JsonHit {
  id: string;
  score: number;
  payload: VectorPoint['payload'];
  thumbnailUrl: string;
  imageUrl: string;
  worldviewUrl: string;
}

interface SearchJson {
  model: string;
  collection: string;
  limit: number;
  offset: number;
  nextOffset: number | null;
  hits: JsonHit[];
}

/** The hits are the exact top-k: the same scores rank by rank, the same ids wherever brute force has no near tie. */
function assertExactTopK(hits: Array<{ id: string; score: number }>, expected: Array<{ id: string; score: number }>) {
  assert.equal(hits.length, expected.length, 'number of hits');
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Math.abs(hits[i].score - expected[i].score) < 1e-5,
      `rank ${i}: ${hits[i].score} vs ${expected[i].score}`,
    );
    const tied = [expected[i - 1], expected[i + 1]].some((n) => n && Math.abs(n.score - expected[i].score) < 1e-5);
    if (!tied) assert.equal(hits[i].id, expected[i].id, `rank ${i}`);
  }
}

/** A multipart/form-data body by hand: file parts and text parts, in order. */
function multipart(parts: Array<{ name: string; filename?: string; type?: string; body: Uint8Array | string }>) {
  const boundary = `----gibs-embed-test-${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.name}"`
        : `form-data; name="${part.name}"; filename="${part.filename}"`;
    chunks.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: ${disposition}\r\n` +
          (part.type ? `content-type: ${part.type}\r\n` : '') +
          '\r\n',
      ),
      Buffer.from(part.body),
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

describe('POST /v1/search', () => {
  let api: TestApi;
  let points: VectorPoint[];
  const vectorOf = (id: string) => (points.find((p) => p.id === id) as VectorPoint).vector;
  const tileOf = (pred: (p: VectorPoint['payload']) => boolean) => {
    const tile = api.tiles.find((t) => pred(t.payload));
    assert.ok(tile, 'a tile of the test index matches');
    return tile;
  };

  before(async () => {
    api = await openTestApi();
    points = api.tiles.map(({ id, vector, payload }) => ({ id, vector, payload }));
  });
  after(async () => {
    await api.close();
  });

  const search = async (body: unknown, url = '/v1/search') => {
    const res = await api.app.inject({ method: 'POST', url, payload: body as object });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as SearchJson;
  };

  it('searches like a stored tile by id: the exact top-k, the tile itself left out, with links', async () => {
    const id = api.tileIds[5];
    const page = await search({ positives: [{ tileId: id.toUpperCase() }], limit: 7 });
    assert.equal(page.model, api.model);
    assert.equal(page.collection, api.collection);
    assert.equal(page.limit, 7);
    assert.equal(page.offset, 0);
    assert.equal(page.nextOffset, 7);
    assert.ok(!page.hits.some((h) => h.id === id));
    assertExactTopK(page.hits, bruteForce(points, vectorOf(id), 7, { not: { id: [id] } }));
    const first = page.hits[0];
    assert.deepEqual(first.payload, points.find((p) => p.id === first.id)?.payload);
    assert.equal(first.thumbnailUrl, `/v1/tiles/${first.id}/thumbnail`);
    assert.equal(first.imageUrl, `/v1/tiles/${first.id}/image`);
    assert.match(first.worldviewUrl, /^https:\/\/worldview\.earthdata\.nasa\.gov\/\?v=.*&l=.*&t=\d{4}-\d{2}-\d{2}/);
  });

  it('finds the tile first when given its own image (base64 JSON), scoring ~1', async () => {
    const tile = tileOf((p) => p.layer === MODIS && p.z === 2);
    const page = await search({
      positives: [{ image: Buffer.from(tile.bytes).toString('base64'), name: 'modis.jpg' }],
      limit: 5,
    });
    assert.equal(page.hits[0].id, tile.id);
    assert.ok(page.hits[0].score > 0.9999, `self score ${page.hits[0].score}`);
    assertExactTopK(page.hits, bruteForce(points, tile.vector, 5));
    // a data: URL is taken too (what a browser's FileReader gives)
    const dataUrl = await search({
      positives: [{ image: `data:image/jpeg;base64,${Buffer.from(tile.bytes).toString('base64')}` }],
      limit: 1,
    });
    assert.equal(dataUrl.hits[0].id, tile.id);
  });

  it('takes uploads as multipart/form-data: image and negative parts and a query part', async () => {
    const positive = tileOf((p) => p.layer === MODIS && p.z === 1);
    const negative = tileOf((p) => p.layer === MARBLE && p.z === 2);
    const filter: Filter = { layer: [MODIS] };
    const form = multipart([
      { name: 'query', body: JSON.stringify({ limit: 6, filter: { layers: [MODIS] } }) },
      { name: 'image', filename: 'positive.jpg', type: 'image/jpeg', body: positive.bytes },
      { name: 'negative', filename: 'negative.jpg', type: 'image/jpeg', body: negative.bytes },
    ]);
    const res = await api.app.inject({ method: 'POST', url: '/v1/search', ...form });
    assert.equal(res.statusCode, 200, res.body);
    const page = res.json() as SearchJson;
    const query = recommendQuery([positive.vector], [negative.vector]);
    assertExactTopK(page.hits, bruteForce(points, query, 6, filter));
    assert.ok(page.hits.every((h) => h.payload.layer === MODIS));

    // an image alone, no query part: the defaults apply
    const alone = await api.app.inject({
      method: 'POST',
      url: '/v1/search?format=geojson',
      ...multipart([{ name: 'image', filename: 'p.jpg', body: positive.bytes }]),
    });
    assert.equal(alone.statusCode, 200, alone.body);
    const collection = alone.json() as { type: string; features: Array<{ id: string }> };
    assert.equal(collection.type, 'FeatureCollection');
    assert.equal(collection.features.length, 20);
    assert.equal(collection.features[0].id, positive.id);
  });

  it('searches by a vector, and recommends with positives and negatives (ids and vectors)', async () => {
    const [a, b, c] = [api.tileIds[1], api.tileIds[20], api.tileIds[40]];
    const byVector = await search({ positives: [{ vector: Array.from(vectorOf(a)) }], limit: 4 });
    assertExactTopK(byVector.hits, bruteForce(points, vectorOf(a), 4));
    assert.equal(byVector.hits[0].id, a, 'a vector example is not a tile: its tile is not left out');

    // cosine ignores the length: a scaled vector ranks the same, however large or small its values
    for (const scale of [1e36, 1e-40]) {
      const scaled = await search({ positives: [{ vector: Array.from(vectorOf(a), (v) => v * scale) }], limit: 4 });
      assert.deepEqual(
        scaled.hits.map((h) => h.id),
        byVector.hits.map((h) => h.id),
        `scale ${scale}`,
      );
    }

    const page = await search({
      positives: [{ tileId: a }, { vector: Array.from(vectorOf(b)) }],
      negatives: [{ tileId: c }],
      limit: 9,
    });
    const query = recommendQuery([vectorOf(a), vectorOf(b)], [vectorOf(c)]);
    assertExactTopK(page.hits, bruteForce(points, query, 9, { not: { id: [a, c] } }));
    assert.ok(!page.hits.some((h) => h.id === a || h.id === c));
  });

  it('filters exactly by date, bbox (across the antimeridian), near, layers, levels and models', async () => {
    const query = api.tileIds[0];
    const cases: Array<{ filter: Record<string, unknown>; expect: Filter }> = [
      { filter: { from: '2020-09-21', to: '2020-09-30' }, expect: { date: { gte: '2020-09-21', lte: '2020-09-30' } } },
      { filter: { to: '2016-01-24T00:00:00Z' }, expect: { date: { lte: '2016-01-24T00:00:00Z' } } },
      { filter: { bbox: [170, -60, -170, 60] }, expect: { bbox: [170, -60, -170, 60] } },
      {
        filter: { near: { lon: 10, lat: 45, radiusKm: 3000 } },
        expect: { near: { lon: 10, lat: 45, radiusKm: 3000 } },
      },
      { filter: { layers: [MARBLE] }, expect: { layer: [MARBLE] } },
      { filter: { levels: [0, 1] }, expect: { z: [0, 1] } },
      {
        filter: { layers: [MODIS], levels: [2], bbox: [-20, 0, 60, 60] },
        expect: { and: [{ layer: [MODIS] }, { z: [2] }, { bbox: [-20, 0, 60, 60] }] },
      },
    ];
    for (const { filter, expect } of cases) {
      const expected = bruteForce(points, vectorOf(query), 200, { and: [expect, { not: { id: [query] } }] });
      assert.ok(
        expected.length > 0 && expected.length < points.length - 1,
        `${JSON.stringify(filter)}: a proper subset`,
      );
      const page = await search({ positives: [{ tileId: query }], filter, limit: 200 });
      assert.deepEqual(new Set(page.hits.map((h) => h.id)), new Set(expected.map((e) => e.id)), JSON.stringify(filter));
      assertExactTopK(page.hits, expected);
      assert.equal(page.nextOffset, null);
    }
    const models = await search({ positives: [{ tileId: query }], filter: { models: [api.model] }, limit: 200 });
    assert.equal(models.hits.length, points.length - 1);
    const otherModel = await search({ positives: [{ tileId: query }], filter: { models: ['ckpt-other'] } });
    assert.deepEqual(otherModel.hits, []);
  });

  it('pages through one ranking with limit + offset; nextOffset is null on the last page', async () => {
    const id = api.tileIds[10];
    const all = await search({ positives: [{ tileId: id }], limit: 200 });
    assert.equal(all.hits.length, points.length - 1);
    const pages: JsonHit[] = [];
    let offset: number | null = 0;
    let count = 0;
    while (offset !== null) {
      const page: SearchJson = await search({ positives: [{ tileId: id }], limit: 10, offset });
      assert.equal(page.offset, offset);
      pages.push(...page.hits);
      offset = page.nextOffset;
      assert.ok(++count < 10, 'pages end');
    }
    assert.equal(count, Math.ceil((points.length - 1) / 10));
    assert.deepEqual(
      pages.map((h) => h.id),
      all.hits.map((h) => h.id),
    );
    const beyond = await search({ positives: [{ tileId: id }], limit: 10, offset: 1000 });
    assert.deepEqual(beyond.hits, []);
    assert.equal(beyond.nextOffset, null);
  });

  it('answers GeoJSON (format in the body or ?format=): footprints as polygons, ranks across pages', async () => {
    const id = api.tileIds[3];
    const json = await search({ positives: [{ tileId: id }], limit: 5, offset: 5 });
    for (const request of [
      { body: { positives: [{ tileId: id }], limit: 5, offset: 5, format: 'geojson' }, url: '/v1/search' },
      { body: { positives: [{ tileId: id }], limit: 5, offset: 5 }, url: '/v1/search?format=geojson' },
    ]) {
      const res = await api.app.inject({ method: 'POST', url: request.url, payload: request.body });
      assert.equal(res.statusCode, 200, res.body);
      const geo = res.json();
      assert.equal(geo.type, 'FeatureCollection');
      assert.equal(geo.model, api.model);
      assert.equal(geo.nextOffset, 10);
      assert.deepEqual(
        geo.features.map((f: { id: string }) => f.id),
        json.hits.map((h) => h.id),
      );
      const [feature] = geo.features;
      const [minLon, minLat, maxLon, maxLat] = json.hits[0].payload.bbox;
      assert.deepEqual(feature.geometry, {
        type: 'Polygon',
        coordinates: [
          [
            [minLon, minLat],
            [maxLon, minLat],
            [maxLon, maxLat],
            [minLon, maxLat],
            [minLon, minLat],
          ],
        ],
      });
      assert.equal(feature.properties.rank, 6);
      assert.equal(feature.properties.score, json.hits[0].score);
      assert.equal(feature.properties.layer, json.hits[0].payload.layer);
      assert.equal(feature.properties.thumbnailUrl, json.hits[0].thumbnailUrl);
    }
  });

  it('answers 404 for an unknown tile id and 400 (UNDECODABLE) for an image that does not decode', async () => {
    const unknown = await api.app.inject({
      method: 'POST',
      url: '/v1/search',
      payload: {
        positives: [{ tileId: api.tileIds[0] }],
        negatives: [{ tileId: '00000000-0000-4000-8000-000000000000' }],
      },
    });
    assert.equal(unknown.statusCode, 404, unknown.body);
    assert.equal(unknown.json().code, 'TILE_NOT_FOUND');
    assert.match(unknown.json().message, /unknown tile id 00000000-0000-4000-8000-000000000000/);

    const text = await api.app.inject({
      method: 'POST',
      url: '/v1/search',
      payload: { positives: [{ image: Buffer.from('this is not an image').toString('base64'), name: 'notes.txt' }] },
    });
    assert.equal(text.statusCode, 400, text.body);
    assert.equal(text.json().code, 'UNDECODABLE');
    assert.match(text.json().message, /positives\[0\]\.image \(notes\.txt\) is not a decodable JPEG\/PNG image/);

    // a JPEG cut short: the header reads, the pixels do not
    const tile = api.tiles[0];
    const truncated = await api.app.inject({
      method: 'POST',
      url: '/v1/search',
      ...multipart([{ name: 'image', filename: 'cut.jpg', body: tile.bytes.subarray(0, 400) }]),
    });
    assert.equal(truncated.statusCode, 400, truncated.body);
    assert.equal(truncated.json().code, 'UNDECODABLE');

    const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
    const notJpeg = await api.app.inject({
      method: 'POST',
      url: '/v1/search',
      ...multipart([{ name: 'image', filename: 'pixel.gif', body: gif }]),
    });
    assert.equal(notJpeg.statusCode, 400, notJpeg.body);
    assert.match(notJpeg.json().message, /is a gif image; send a JPEG or PNG/);
  });

  it('searches with a PNG query image (a GOES tile from the kit)', async () => {
    const png = await readFile(kit('gibs/tiles/other/GOES-East_B13_2021-04-10_512.png'));
    const page = await search({ positives: [{ image: png.toString('base64'), name: 'goes.png' }], limit: 3 });
    assert.equal(page.hits.length, 3);
    assert.ok(page.hits.every((h) => h.score <= 1 + 1e-6 && h.score > -1));
  });
});

describe('POST /v1/search on an empty index', () => {
  it('answers 409 INDEX_EMPTY, naming why', async () => {
    const api = await openTestApi({}, { empty: true });
    try {
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/search',
        payload: { positives: [{ vector: [1, 0, 0] }] },
      });
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(res.json().code, 'INDEX_EMPTY');
      assert.match(res.json().message, /the vector store is empty.*alias "tiles" does not exist/);
    } finally {
      await api.close();
    }
  });
});
