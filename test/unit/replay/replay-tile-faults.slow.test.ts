import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { ValidationError } from '../../../shared/errors/index.js';
import { tileUrl } from '../../../shared/gibs/index.js';
import { startReplayServer, type ReplayServer, replayErrorCodes } from '../../../services/replay/index.js';
import { dataDir, get, rawRequest } from '../../support/raw-request.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const real = { layer: MODIS, date: '2016-01-24', tms: '250m', z: 5, row: 5, col: 10, ext: 'jpg' };
const realFile = path.join(dataDir, 'gibs/tiles/epsg4326', MODIS, 'default/2016-01-24/250m/5/5/10.jpg');

describe('replay: scripted tile faults, wrong-size answers, changed ETags', () => {
  let server: ReplayServer;
  before(async () => {
    server = await startReplayServer({ dataDir });
  });
  after(() => server.close());

  it('answers a scripted status or body for one tile of every layer and date, until the script is removed', async () => {
    server.faultTile('5/5/10', { kind: 'status', status: 503 });
    const url = tileUrl(server.url, real);
    const unavailable = await get(url);
    assert.deepEqual([unavailable.status, unavailable.headers['retry-after']], [503, '0']);
    assert.equal((await get(tileUrl(server.url, { ...real, date: '2020-09-27' }))).status, 503, 'any date');
    assert.equal((await get(tileUrl(server.url, { ...real, col: 11 }))).status, 200, 'other tiles are untouched');

    server.faultTile('5/5/10', {
      kind: 'body',
      contentType: 'text/html',
      body: Buffer.from('<html>maintenance</html>'),
    });
    const html = await get(url);
    assert.deepEqual(
      [html.status, html.headers['content-type'], html.body.toString()],
      [200, 'text/html', '<html>maintenance</html>'],
    );

    server.faultTile('5/5/10', undefined);
    const clean = await get(url);
    assert.equal(clean.status, 200);
    assert.ok(clean.body.equals(await readFile(realFile)));
    assert.ok(server.stats().scriptedFaults >= 3);
    assert.throws(
      () => server.faultTile('5/5', { kind: 'hang' }),
      (e: unknown) => e instanceof ValidationError && e.code === replayErrorCodes.badFaultOptions,
    );
  });

  it('serves a valid image of the wrong size, small or huge, without decoding it itself', async () => {
    server.faultTile('5/5/10', { kind: 'wrong-size', width: 64, height: 48 });
    const small = await get(tileUrl(server.url, real));
    assert.equal(small.status, 200);
    assert.equal(small.headers['content-type'], 'image/jpeg');
    assert.deepEqual(
      await sharp(small.body)
        .metadata()
        .then((m) => [m.format, m.width, m.height]),
      ['jpeg', 64, 48],
    );

    server.faultTile('5/5/10', { kind: 'wrong-size', width: 16_000, height: 16_000 });
    const huge = await get(tileUrl(server.url, real));
    assert.deepEqual(
      await sharp(huge.body)
        .metadata()
        .then((m) => [m.width, m.height]),
      [16_000, 16_000],
    );
    server.faultTile('5/5/10', undefined);
    assert.throws(() => server.faultTile('5/5/10', { kind: 'wrong-size', width: 0, height: 5 }), ValidationError);
  });

  it('never answers a hanging tile; the client gives up', async () => {
    server.faultTile('5/5/10', { kind: 'hang' });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 200);
    await assert.rejects(
      fetch(tileUrl(server.url, real), { signal: controller.signal }),
      (e: unknown) => e instanceof Error && e.name === 'AbortError',
    );
    clearTimeout(timer);
    server.faultTile('5/5/10', undefined);
  });

  it('changes every ETag without changing bytes, and back', async () => {
    const url = tileUrl(server.url, real);
    const first = await get(url);
    server.changeEtags('redeployed');
    const salted = await get(url, { headers: { 'If-None-Match': String(first.headers.etag) } });
    assert.equal(salted.status, 200, 'the old ETag no longer matches');
    assert.notEqual(salted.headers.etag, first.headers.etag);
    assert.ok(salted.body.equals(first.body));
    assert.equal((await get(url, { headers: { 'If-None-Match': String(salted.headers.etag) } })).status, 304);
    server.changeEtags('');
    assert.equal((await get(url, { headers: { 'If-None-Match': String(first.headers.etag) } })).status, 304);
  });

  it('serves a share of tiles at the wrong size when asked (wrongSizeRate), counted as faults', async () => {
    const faulty = await startReplayServer({ dataDir, faults: { wrongSizeRate: 1, wrongSizePx: 64 }, seed: 3 });
    try {
      for (const col of [10, 11]) {
        const res = await rawRequest(tileUrl(faulty.url, { ...real, col }));
        assert.equal(res.kind, 'response');
        if (res.kind !== 'response') return;
        assert.deepEqual(
          await sharp(res.body)
            .metadata()
            .then((m) => [m.width, m.height]),
          [64, 64],
        );
      }
      const stats = faulty.stats();
      assert.deepEqual([stats.faultsByKind.wrongSize, stats.faults, stats.tiles, stats.tileRequests], [2, 2, 0, 2]);
    } finally {
      await faulty.close();
    }
  });
});
