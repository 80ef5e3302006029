import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { webRoutes } from '../../../services/api/web/web-routes.js';
import { webErrorCodes } from '../../../services/api/web/web-errors.js';
import { loadConfig } from '../../../shared/config/index.js';
import { AppError } from '../../../shared/errors/index.js';

const GIBS = 'http://127.0.0.1:9/gibs';
const config = loadConfig({ GIBS_BASE_URL: GIBS });

describe('web page routes', () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify({ logger: false });
    await app.register(webRoutes, { deps: { config } });
    await app.ready();
  });
  after(() => app.close());

  it('serves the page with a CSP that allows only this server and the GIBS origin', async () => {
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /<script src="\/assets\/app\.js" defer><\/script>/);
    assert.match(res.body, /<link rel="stylesheet" href="\/assets\/app\.css" \/>/);
    const csp = String(res.headers['content-security-policy']);
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
        .map(([k, ...v]) => [k, v]),
    );
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), ["'self'"]);
    assert.deepEqual(directives.get('connect-src'), ["'self'"]);
    assert.deepEqual(directives.get('img-src'), ["'self'", 'data:', 'blob:', 'http://127.0.0.1:9']);
    // no source anywhere but these: no CDN, no inline script
    const sources = [...directives.values()].flat();
    assert.ok(
      sources.every((s) => ["'self'", "'none'", 'data:', 'blob:', 'http://127.0.0.1:9'].includes(s)),
      csp,
    );
  });

  it('bundles the page code, OpenLayers and umap-js into app.js, with a source map', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/app.js' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/javascript/);
    const js = res.body;
    for (const needle of [
      '/v1/search',
      '/v1/alerts/stream',
      '/v1/embedding-sample',
      'BlueMarble_ShadedRelief_Bathymetry',
    ]) {
      assert.ok(js.includes(needle), `app.js lacks ${needle}`);
    }
    assert.ok(js.includes('ol-viewport'), 'OpenLayers is bundled');
    assert.ok(js.includes('Not enough data points'), 'umap-js is bundled');
    assert.doesNotMatch(js, /\bimport\s*[{*"']|require\(["']/, 'every import is resolved into the bundle');
    assert.doesNotMatch(js, /unpkg|jsdelivr|cdnjs|googleapis/, 'nothing comes from a CDN');
    assert.ok(js.length > 100_000 && js.length < 2_000_000, `app.js is ${js.length} bytes`);
    assert.match(js, /\/\/# sourceMappingURL=app\.js\.map\s*$/);

    const map = await app.inject({ method: 'GET', url: '/assets/app.js.map' });
    assert.equal(map.statusCode, 200);
    const sources = (map.json() as { sources: string[] }).sources;
    assert.ok(
      sources.some((s) => s.endsWith('src/main.ts')),
      'the page code is mapped',
    );
    assert.ok(
      sources.some((s) => s.includes('node_modules/ol/')),
      'OpenLayers is mapped',
    );
  });

  it('bundles styles.css with ol/ol.css inlined into app.css', async () => {
    const res = await app.inject({ method: 'GET', url: '/assets/app.css' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/css/);
    assert.ok(res.body.includes('.ol-viewport'), 'ol.css is inlined');
    assert.ok(res.body.includes('.result'), 'the page styles are there');
    assert.doesNotMatch(res.body, /@import/);
  });

  it('answers a matching If-None-Match with 304 and unknown assets with 404', async () => {
    const first = await app.inject({ method: 'GET', url: '/assets/app.css' });
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
    assert.equal(first.headers['cache-control'], 'no-cache');
    const again = await app.inject({ method: 'GET', url: '/assets/app.css', headers: { 'if-none-match': etag } });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    const listed = await app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': `"x", ${etag}` } });
    assert.equal(listed.statusCode, 200, "another file's ETag does not match the page");
    const stale = await app.inject({ method: 'GET', url: '/assets/app.css', headers: { 'if-none-match': '"stale"' } });
    assert.equal(stale.statusCode, 200);
    for (const url of ['/assets/nope.js', '/assets/..%2Fweb-routes.ts', '/assets/']) {
      assert.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url);
    }
  });
});

describe('web page build failures', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'web-broken-'));
    await mkdir(path.join(dir, 'src'));
    await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(path.join(dir, 'styles.css'), 'body { margin: 0 }');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function startWith(mainTs: string): Promise<{ error: unknown; log: string }> {
    await writeFile(path.join(dir, 'src/main.ts'), mainTs);
    let log = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        log += chunk.toString();
        done();
      },
    });
    const app = Fastify({ logger: { level: 'error', stream } });
    let error: unknown;
    try {
      await app.register(webRoutes, { deps: { config }, webDir: dir });
      await app.ready();
    } catch (e) {
      error = e;
    } finally {
      await app.close();
    }
    return { error, log };
  }

  it('a page that builds starts (the broken cases below are not broken by the fixture)', async () => {
    const { error } = await startWith('document.title = "ok";\n');
    assert.equal(error, undefined);
  });

  it('a syntax error stops start-up with WEB_BUILD_FAILED naming the file, and is logged', async () => {
    const { error, log } = await startWith('const x = ;\n');
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, webErrorCodes.buildFailed);
    assert.match(error.message, /src\/main\.ts:1/);
    assert.match(log, /failed to build/);
  });

  it('an import of a missing package stops start-up', async () => {
    const { error } = await startWith("import 'no-such-package-xyz';\n");
    assert.ok(error instanceof AppError);
    assert.equal(error.code, webErrorCodes.buildFailed);
    assert.match(error.message, /no-such-package-xyz/);
  });
});
