import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { openTestApi, type TestApi } from '../../support/api-fixtures.js';

describe('the API app: OpenAPI, docs, ops endpoints, page settings', () => {
  let api: TestApi;
  before(async () => {
    api = await openTestApi();
  });
  after(async () => {
    await api.close();
  });

  it('serves OpenAPI 3 from the zod schemas at /openapi.json, with every route and the key schemes', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    assert.equal(doc.info.title, 'gibs-embed');
    assert.equal(doc.info.version, '0.1.0');
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiKey', 'bearer']);
    const expected: Record<string, string[]> = {
      '/healthz': ['get'],
      '/readyz': ['get'],
      '/metrics': ['get'],
      '/v1/ui-config': ['get'],
      '/v1/whoami': ['get'],
      '/v1/search': ['post'],
      '/v1/tiles/{id}': ['get'],
      '/v1/tiles/{id}/image': ['get'],
      '/v1/tiles/{id}/thumbnail': ['get'],
      '/v1/embedding-sample': ['get'],
      '/v1/stats': ['get'],
      '/v1/apikeys': ['get', 'post'],
      '/v1/apikeys/{id}': ['delete'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      assert.ok(doc.paths[path], `${path} is documented`);
      for (const method of methods) assert.ok(doc.paths[path][method], `${method} ${path}`);
    }
    const search = doc.paths['/v1/search'].post;
    assert.deepEqual(Object.keys(search.requestBody.content).sort(), ['application/json', 'multipart/form-data']);
    const body = search.requestBody.content['application/json'].schema;
    assert.deepEqual(body.required, ['positives']);
    assert.equal(body.additionalProperties, false);
    assert.equal(body.properties.limit.maximum, 200);
    assert.ok(search.responses['200'] && search.responses['409'] && search.responses['401']);
    assert.deepEqual(search.security, [{ bearer: [] }, { apiKey: [] }, {}]);
    assert.deepEqual(doc.paths['/v1/apikeys'].get.security, [{ bearer: [] }, { apiKey: [] }]);
    assert.equal(doc.paths['/healthz'].get.security, undefined);
    assert.equal(doc.paths['/openapi.json'], undefined, 'the document does not list itself');
  });

  it('serves the Swagger UI at /docs', async () => {
    let res = await api.app.inject({ method: 'GET', url: '/docs' });
    if (res.statusCode === 302) res = await api.app.inject({ method: 'GET', url: String(res.headers.location) });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /text\/html/);
    assert.match(res.body, /swagger/i);
    const asset = await api.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    assert.equal(asset.statusCode, 200);
  });

  it('answers health, readiness and metrics on the API port', async () => {
    assert.deepEqual((await api.app.inject({ method: 'GET', url: '/healthz' })).json(), { status: 'ok' });
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), {
      status: 'ok',
      checks: [
        { name: 'vector-store', ok: true },
        { name: 'alert-store', ok: true },
        { name: 'api-keys', ok: true },
      ],
    });
    const metrics = await api.app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain/);
    assert.match(metrics.body, /gibs_embed_api_request_seconds_count\{method="GET",route="\/readyz",status="200"\} 1/);
  });

  it('gives the page its settings', async () => {
    const res = await api.app.inject({ method: 'GET', url: '/v1/ui-config' });
    assert.deepEqual(res.json(), {
      gibsBaseUrl: 'https://gibs.earthdata.nasa.gov',
      layers: ['MODIS_Terra_CorrectedReflectance_TrueColor'],
      tileMatrixSet: '250m',
      openReads: 'loopback',
      version: '0.1.0',
    });
  });
});

describe('rate limit and CORS', () => {
  it('limits each client to api.rateLimit requests per window: 429 with Retry-After; probes are not limited', async () => {
    const api = await openTestApi({ 'api.rateLimit': 3, 'api.rateWindowMs': 60_000 });
    try {
      const whoami = (remoteAddress?: string) => api.app.inject({ method: 'GET', url: '/v1/whoami', remoteAddress });
      for (let i = 0; i < 3; i++) assert.equal((await whoami()).statusCode, 200);
      const limited = await whoami();
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().code, 'RATE_LIMITED');
      assert.match(limited.json().message, /too many requests: at most 3 per 60 s/);
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
      assert.equal((await whoami('192.0.2.1')).statusCode, 200, 'another client has its own budget');
      for (let i = 0; i < 5; i++)
        assert.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    } finally {
      await api.close();
    }
  });

  it('sends CORS headers to the configured origins only', async () => {
    const api = await openTestApi({ 'api.corsOrigins': ['https://maps.example.org'] });
    try {
      const allowed = await api.app.inject({
        method: 'GET',
        url: '/v1/ui-config',
        headers: { origin: 'https://maps.example.org' },
      });
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://maps.example.org');
      const preflight = await api.app.inject({
        method: 'OPTIONS',
        url: '/v1/search',
        headers: {
          origin: 'https://maps.example.org',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
      assert.equal(preflight.statusCode, 204);
      assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
      assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
      const other = await api.app.inject({
        method: 'GET',
        url: '/v1/ui-config',
        headers: { origin: 'https://evil.example.com' },
      });
      assert.equal(other.headers['access-control-allow-origin'], undefined);
    } finally {
      await api.close();
    }
    const closed = await openTestApi();
    try {
      const res = await closed.app.inject({
        method: 'GET',
        url: '/v1/ui-config',
        headers: { origin: 'https://maps.example.org' },
      });
      assert.equal(res.headers['access-control-allow-origin'], undefined, 'no origins configured: no CORS');
    } finally {
      await closed.close();
    }
  });
});

describe('a real socket', () => {
  it('listens on 127.0.0.1:0 and answers fetch: health, a search, an image', async () => {
    const api = await openTestApi();
    try {
      await api.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = api.app.server.address() as AddressInfo;
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const res = await fetch(`${base}/v1/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ positives: [{ tileId: api.tileIds[4] }], limit: 3 }),
      });
      assert.equal(res.status, 200);
      const page = (await res.json()) as { hits: Array<{ id: string; imageUrl: string }> };
      assert.equal(page.hits.length, 3);
      const image = await fetch(`${base}${page.hits[0].imageUrl}`);
      assert.equal(image.status, 200);
      assert.equal(image.headers.get('content-type'), 'image/jpeg');
      const tile = api.tiles.find((t) => t.id === page.hits[0].id);
      assert.deepEqual(new Uint8Array(await image.arrayBuffer()), tile?.bytes);
      const docs = await fetch(`${base}/docs`);
      assert.equal(docs.status, 200);
    } finally {
      await api.close();
    }
  });
});
