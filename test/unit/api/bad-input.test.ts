import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { buildApp } from '../../../services/api/index.js';
import { openTestApi, type TestApi } from '../../support/api-fixtures.js';

/** One file part in a multipart/form-data body. */
function multipartFile(name: string, filename: string, bytes: Uint8Array) {
  const boundary = '----gibs-embed-app-test';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="${filename}"\r\n\r\n`),
    Buffer.from(bytes),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Bad input gets a 4xx whose message says what is wrong; a bug a logged 500; a store gone a 503. */
describe('the API on bad input and failures', () => {
  let api: TestApi;
  before(async () => {
    // a body limit above the upload limit, both small: a base64 image can be over the one and not the other
    api = await openTestApi({ 'api.bodyLimitBytes': 64 * 1024, 'api.uploadLimitBytes': 2048 });
  });
  after(async () => {
    await api.close();
  });

  const search = (payload: unknown, headers: Record<string, string> = {}) =>
    api.app.inject({ method: 'POST', url: '/v1/search', payload: payload as string, headers });

  it('refuses every malformed request with a 4xx naming what is wrong', async () => {
    const id = api.tileIds[0];
    const cases: Array<[string, unknown, Record<string, string>, number, RegExp]> = [
      ['malformed JSON', '{"positives": [', { 'content-type': 'application/json' }, 400, /body is not valid JSON/],
      ['an empty JSON body', '', { 'content-type': 'application/json' }, 400, /body is empty/],
      [
        'a body that is no object',
        '[1,2]',
        { 'content-type': 'application/json' },
        400,
        /^body: Invalid input: expected object, received array/,
      ],
      ['a plain-text body', 'positives', { 'content-type': 'text/plain' }, 415, /unsupported content type/],
      ['no positives', { limit: 3 }, {}, 400, /body\.positives: Invalid input: expected array, received undefined/],
      [
        'positives of the wrong type',
        { positives: 'x' },
        {},
        400,
        /body\.positives: Invalid input: expected array, received string/,
      ],
      ['an unknown field', { positives: [{ tileId: id }], k: 3 }, {}, 400, /body: Unrecognized key: "k"/],
      [
        'an unknown filter field',
        { positives: [{ tileId: id }], filter: { layer: 'x' } },
        {},
        400,
        /body\.filter: Unrecognized key: "layer"/,
      ],
      [
        'an example of two kinds',
        { positives: [{ tileId: id, vector: [1] }] },
        {},
        400,
        /body\.positives\[0\]: an example is exactly one of .* got tileId and vector/,
      ],
      [
        'an empty example',
        { positives: [{}] },
        {},
        400,
        /body\.positives\[0\]: an example is exactly one of .* got none/,
      ],
      [
        'a malformed tile id',
        { positives: [{ tileId: '42' }] },
        {},
        400,
        /body\.positives\[0\]\.tileId: must be a UUID/,
      ],
      [
        'a vector of strings',
        { positives: [{ vector: ['a'] }] },
        {},
        400,
        /body\.positives\[0\]\.vector\[0\]: Invalid input: expected number, received string/,
      ],
      [
        'a vector of the wrong length',
        { positives: [{ vector: [1, 0, 0] }] },
        {},
        400,
        /positives\[0\]\.vector has 3 dimensions; the vectors of collection \S+ have \d+/,
      ],
      [
        'too many positives',
        { positives: Array(17).fill({ tileId: id }) },
        {},
        400,
        /body\.positives: Too big: expected array to have <=16 items/,
      ],
      [
        'a limit out of range',
        { positives: [{ tileId: id }], limit: 0 },
        {},
        400,
        /body\.limit: Too small: expected number to be >=1/,
      ],
      [
        'a fractional limit',
        { positives: [{ tileId: id }], limit: 2.5 },
        {},
        400,
        /body\.limit: Invalid input: expected int, received number/,
      ],
      ['an offset out of range', { positives: [{ tileId: id }], offset: 1001 }, {}, 400, /body\.offset: Too big/],
      ['an unknown format', { positives: [{ tileId: id }], format: 'xml' }, {}, 400, /body\.format: Invalid option/],
      [
        'a bad date',
        { positives: [{ tileId: id }], filter: { from: '2020-02-30' } },
        {},
        400,
        /body\.filter\.from: must be a calendar date YYYY-MM-DD or an RFC 3339 instant/,
      ],
      [
        'a date that is no date',
        { positives: [{ tileId: id }], filter: { to: 'yesterday' } },
        {},
        400,
        /body\.filter\.to: must be a calendar date/,
      ],
      [
        'from after to',
        { positives: [{ tileId: id }], filter: { from: '2020-09-28', to: '2020-09-27' } },
        {},
        400,
        /body\.filter\.from: 2020-09-28 is after to 2020-09-27/,
      ],
      [
        'a bbox out of range',
        { positives: [{ tileId: id }], filter: { bbox: [-200, 0, 10, 10] } },
        {},
        400,
        /body\.filter\.bbox: bbox longitudes must lie in \[-180, 180\]/,
      ],
      [
        'a bbox upside down',
        { positives: [{ tileId: id }], filter: { bbox: [0, 50, 10, 40] } },
        {},
        400,
        /body\.filter\.bbox: bbox minLat must be below maxLat/,
      ],
      [
        'a bbox of three numbers',
        { positives: [{ tileId: id }], filter: { bbox: [0, 1, 2] } },
        {},
        400,
        /body\.filter\.bbox/,
      ],
      [
        'a latitude out of range',
        { positives: [{ tileId: id }], filter: { near: { lon: 0, lat: 91, radiusKm: 5 } } },
        {},
        400,
        /body\.filter\.near\.lat: Too big/,
      ],
      [
        'a negative radius',
        { positives: [{ tileId: id }], filter: { near: { lon: 0, lat: 0, radiusKm: -1 } } },
        {},
        400,
        /body\.filter\.near\.radiusKm: Too small/,
      ],
      [
        'an empty layer list',
        { positives: [{ tileId: id }], filter: { layers: [] } },
        {},
        400,
        /body\.filter\.layers: Too small/,
      ],
      [
        'a negative level',
        { positives: [{ tileId: id }], filter: { levels: [-1] } },
        {},
        400,
        /body\.filter\.levels\[0\]: Too small/,
      ],
      ['bad base64', { positives: [{ image: 'not base64!' }] }, {}, 400, /positives\[0\]\.image is not valid base64/],
      ['a ?format= that is unknown', { positives: [{ tileId: id }] }, {}, 400, /querystring\.format: Invalid option/],
    ];
    for (const [what, payload, headers, status, message] of cases) {
      const url = what.startsWith('a ?format') ? '/v1/search?format=csv' : '/v1/search';
      const res = await api.app.inject({ method: 'POST', url, payload: payload as string, headers });
      assert.equal(res.statusCode, status, `${what}: ${res.body}`);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], what);
      assert.equal(body.statusCode, status, what);
      assert.match(body.message, message, what);
    }
  });

  it('answers 413 to a body over api.bodyLimitBytes and an image over api.uploadLimitBytes (JSON or multipart)', async () => {
    const big = await search({ positives: [{ vector: Array(20_000).fill(0.5) }] });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'PAYLOAD_TOO_LARGE');
    assert.match(big.json().message, /larger than the body limit \(api\.bodyLimitBytes\)/);

    const tile = api.tiles[0];
    assert.ok(tile.bytes.byteLength > 2048, 'a real tile is over the test upload limit');
    const json = await search({ positives: [{ image: Buffer.from(tile.bytes).toString('base64') }] });
    assert.equal(json.statusCode, 413, json.body);
    assert.match(json.json().message, /positives\[0\]\.image is \d+ bytes, more than the upload limit of 2048 bytes/);

    const form = await api.app.inject({
      method: 'POST',
      url: '/v1/search',
      ...multipartFile('image', 'tile.jpg', tile.bytes),
    });
    assert.equal(form.statusCode, 413, form.body);
    assert.equal(form.json().code, 'PAYLOAD_TOO_LARGE');
    assert.match(form.json().message, /uploaded file is larger than the upload limit/);

    const unknownPart = await api.app.inject({
      method: 'POST',
      url: '/v1/search',
      ...multipartFile('picture', 'x.jpg', new Uint8Array(10)),
    });
    assert.equal(unknownPart.statusCode, 400);
    assert.match(unknownPart.json().message, /unknown multipart part "picture"/);

    for (const [what, payload, type] of [
      ['no boundary', 'abc', 'multipart/form-data'],
      [
        'cut short',
        '--b\r\ncontent-disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nab',
        'multipart/form-data; boundary=b',
      ],
      ['no parts at all', 'hello', 'multipart/form-data; boundary=b'],
    ]) {
      const res = await api.app.inject({
        method: 'POST',
        url: '/v1/search',
        payload,
        headers: { 'content-type': type },
      });
      assert.equal(res.statusCode, 400, `${what}: ${res.body}`);
      assert.match(res.json().message, /the multipart body is malformed/, what);
    }

    const text = await api.app.inject({
      method: 'POST',
      url: '/v1/search',
      ...multipartFile('image', 'notes.txt', Buffer.from('just some words')),
    });
    assert.equal(text.statusCode, 400, text.body);
    assert.equal(text.json().code, 'UNDECODABLE');
    assert.match(text.json().message, /notes\.txt\) is not a decodable JPEG\/PNG image/);
  });

  it('answers 404 in the same shape for a route that does not exist', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v1/nothing?x=1' });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), {
      statusCode: 404,
      code: 'NOT_FOUND',
      error: 'Not Found',
      message: 'no route GET /v1/nothing',
    });
  });

  it('answers 500 to an unexpected error, logged, its internals not in the answer', async () => {
    const logged: string[] = [];
    const app = await buildApp({
      ...api.deps,
      log: pino({ level: 'error' }, { write: (line: string) => logged.push(line) }),
    });
    try {
      app.get('/v1/boom', async () => {
        throw new Error('secret internals at /srv/thing');
      });
      const res = await app.inject({ method: 'GET', url: '/v1/boom' });
      assert.equal(res.statusCode, 500);
      assert.equal(res.json().code, 'INTERNAL');
      assert.match(res.json().message, /^internal error \(request req-\d+\); the server log has the details$/);
      assert.doesNotMatch(res.body, /secret internals/);
      assert.equal(logged.length, 1);
      const entry = JSON.parse(logged[0]);
      assert.equal(entry.msg, 'unexpected error answering the request');
      assert.equal(entry.err.message, 'secret internals at /srv/thing');
      assert.equal(entry.reqId, res.json().message.match(/request (req-\d+)/)[1]);
    } finally {
      await app.close();
    }
  });

  it('reports 503 on /readyz when a store it needs is closed', async () => {
    await api.deps.alerts.close();
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json().status, 'unavailable');
    assert.deepEqual(
      ready
        .json()
        .checks.filter((c: { ok: boolean }) => !c.ok)
        .map((c: { name: string }) => c.name),
      ['alert-store'],
    );
    // the vector store gone: a search is 503 with Retry-After (it may come back), never a 500
    await api.deps.store.close();
    const search = await api.app.inject({
      method: 'POST',
      url: '/v1/search',
      payload: { positives: [{ tileId: api.tileIds[0] }] },
    });
    assert.equal(search.statusCode, 503, search.body);
    assert.equal(search.headers['retry-after'], '5');
  });
});
