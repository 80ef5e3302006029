import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { XMLParser } from 'fast-xml-parser';
import { pino } from 'pino';
import sharp from 'sharp';
import { capabilitiesUrl, parseCapabilities, tileUrl } from '../../../shared/gibs/index.js';
import {
  BLANK_JPEG_FILE,
  BLANK_PNG_FILE,
  CAPABILITIES_FILE,
  startReplayServer,
  type ReplayServer,
} from '../../../services/replay/index.js';
import { dataDir, get } from '../../support/raw-request.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const MARBLE = 'BlueMarble_ShadedRelief_Bathymetry';
const modisTile = (
  date: string,
  z: number,
  row: number,
  col: number,
  ext = 'jpg',
): { layer: string; date: string; tms: string; z: number; row: number; col: number; ext: string } => ({
  layer: MODIS,
  date,
  tms: '250m',
  z,
  row,
  col,
  ext,
});

/** Decoded RGB pixels and per-region mean brightness helpers. */
async function pixels(bytes: Buffer): Promise<{
  width: number;
  height: number;
  mean(x0: number, y0: number, x1: number, y1: number): number;
  data: Buffer;
}> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data,
    mean(x0, y0, x1, y1) {
      let sum = 0;
      for (let y = y0; y < y1; y++)
        for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) sum += data[(y * info.width + x) * 3 + c];
      return sum / ((x1 - x0) * (y1 - y0) * 3);
    },
  };
}

describe('GIBS replay server', () => {
  let server: ReplayServer;
  let startMs = 0;
  let startCpuMs = 0;
  const logLines: string[] = [];

  before(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    const started = performance.now();
    const cpu = process.cpuUsage();
    server = await startReplayServer({ dataDir, logger: pino({ level: 'info' }, sink) });
    startMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    startCpuMs = (used.user + used.system) / 1000;
  });
  after(() => server.close());

  it('starts in under 3 s on an ephemeral 127.0.0.1 port and logs one line with its URL', () => {
    // CPU time is what the server controls (~0.5 s here); wall time also counts other processes on a shared
    // 2-core machine, so it gets a looser bound.
    assert.ok(startCpuMs < 3000, `start used ${startCpuMs.toFixed(0)} ms of CPU`);
    assert.ok(startMs < 10_000, `start took ${startMs.toFixed(0)} ms`);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(server.port > 0);
    const lines = logLines.filter((l) => l.includes(server.url));
    assert.equal(lines.length, 1);
  });

  it('lists what it serves: MODIS real tiles and the 2020-09-27 pyramid, Blue Marble z0..z3', () => {
    const modis = server.catalog.layers.find((l) => l.id === MODIS);
    assert.ok(modis);
    assert.equal(modis.tms, '250m');
    assert.deepEqual(modis.time?.intervals, [{ start: '2010-01-01', end: '2020-09-27', period: 'P1D' }]);
    assert.equal(modis.time?.default, '2020-09-27');
    const real = modis.imagery.find((i) => i.source === 'real-tiles');
    assert.deepEqual([real?.date, real?.levels, real?.tiles.map((t) => t.col)], ['2016-01-24', [5], [10, 11]]);
    const mosaic = modis.imagery.find((i) => i.source === 'mosaic');
    assert.deepEqual([mosaic?.date, mosaic?.levels, mosaic?.tiles.length], ['2020-09-27', [0, 1, 2], 2 + 6 + 15]);
    const marble = server.catalog.layers.find((l) => l.id === MARBLE);
    assert.deepEqual([marble?.tms, marble?.time, marble?.imagery[0].levels], ['500m', null, [0, 1, 2, 3]]);
    assert.equal(server.catalog.tiles().length, 2 + 23 + 2 + 6 + 15 + 50);
  });

  it('serves the real tiles byte for byte, with ETag, Layer-Time-Actual and Content-Type', async () => {
    for (const col of [10, 11]) {
      const file = await readFile(
        path.join(dataDir, `gibs/tiles/epsg4326/${MODIS}/default/2016-01-24/250m/5/5/${col}.jpg`),
      );
      const res = await get(tileUrl(server.url, modisTile('2016-01-24', 5, 5, col)));
      assert.equal(res.status, 200);
      assert.ok(res.body.equals(file), `tile col ${col} differs from the file`);
      assert.equal(res.headers['content-type'], 'image/jpeg');
      assert.equal(res.headers['layer-time-actual'], '2016-01-24T00:00:00Z');
      assert.match(String(res.headers.etag), /^"[0-9a-f]{32}"$/);
    }
  });

  it('answers the real blank tile where it has no imagery (other tiles of a real date, other dates, PNG layers)', async () => {
    const blankJpeg = await readFile(path.join(dataDir, BLANK_JPEG_FILE));
    const blankPng = await readFile(path.join(dataDir, BLANK_PNG_FILE));
    for (const tile of [
      modisTile('2016-01-24', 5, 5, 12),
      modisTile('2012-07-09', 0, 0, 0),
      modisTile('2020-09-27', 3, 1, 1),
    ]) {
      const res = await get(tileUrl(server.url, tile));
      assert.equal(res.status, 200);
      assert.ok(res.body.equals(blankJpeg), `${JSON.stringify(tile)} should be the blank JPEG`);
      assert.equal(res.headers['layer-time-actual'], `${tile.date}T00:00:00Z`);
    }
    const png = await get(
      tileUrl(server.url, {
        layer: 'CCMP_REMSS_Scalar_Wind_Speed_Monthly',
        date: '2011-12-01',
        tms: '2km',
        z: 0,
        row: 0,
        col: 0,
        ext: 'png',
      }),
    );
    assert.equal(png.status, 200);
    assert.equal(png.headers['content-type'], 'image/png');
    assert.ok(png.body.equals(blankPng));
  });

  it('snaps a date inside a monthly layer to its step, as GIBS does', async () => {
    // CCMP monthly: 1987-07-02/2011-12-01/P1M, so 2011-11-15 is served as the 2011-11-02 step.
    const res = await get(
      tileUrl(server.url, {
        layer: 'CCMP_REMSS_Scalar_Wind_Speed_Monthly',
        date: '2011-11-15',
        tms: '2km',
        z: 0,
        row: 0,
        col: 0,
        ext: 'png',
      }),
    );
    assert.equal(res.status, 200);
    assert.equal(res.headers['layer-time-actual'], '2011-11-02T00:00:00Z');
  });

  it('cuts the MODIS mosaic into 512 px tiles with land, ocean and black padding past 180 E / 90 S', async () => {
    const res = await get(tileUrl(server.url, modisTile('2020-09-27', 0, 0, 0)));
    assert.equal(res.status, 200);
    assert.equal(res.headers['layer-time-actual'], '2020-09-27T00:00:00Z');
    const z0 = await pixels(res.body);
    assert.deepEqual([z0.width, z0.height], [512, 512]);
    // Tile 0/0/0 spans lon -180..108, lat 90..-198: the globe fills x < 512, y < 320.
    const globe = z0.mean(0, 0, 512, 320);
    assert.ok(globe > 60 && globe < 200, `globe mean ${globe}`);
    assert.ok(z0.mean(0, 330, 512, 512) < 3, 'rows past 90 S are black padding');
    // Land and ocean differ: brightness varies a lot across the tile.
    const blocks = [];
    for (let by = 0; by < 320; by += 32)
      for (let bx = 0; bx < 512; bx += 32) blocks.push(z0.mean(bx, by, bx + 32, by + 32));
    assert.ok(Math.max(...blocks) - Math.min(...blocks) > 100, 'expected dark ocean and bright cloud/land blocks');

    const east = await pixels((await get(tileUrl(server.url, modisTile('2020-09-27', 0, 0, 1)))).body);
    // Tile 0/0/1 spans lon 108..396: only x < 128 is on the globe.
    assert.ok(east.mean(0, 0, 120, 300) > 40, 'the Pacific / east Asia part has content');
    assert.ok(east.mean(136, 0, 512, 512) < 3, 'columns past 180 E are black padding');
  });

  it('keeps levels consistent: a z1 tile downsampled matches the matching quarter of z0', async () => {
    const z0 = await get(tileUrl(server.url, modisTile('2020-09-27', 0, 0, 0)));
    const z1 = await get(tileUrl(server.url, modisTile('2020-09-27', 1, 0, 0)));
    // z1 0/0 spans lon -180..-36, lat 90..-54 = z0 0/0/0 pixels x 0..256, y 0..256.
    const quarter = await sharp(z0.body)
      .extract({ left: 0, top: 0, width: 256, height: 256 })
      .removeAlpha()
      .raw()
      .toBuffer();
    const shrunk = await sharp(z1.body).resize(256, 256).removeAlpha().raw().toBuffer();
    let diff = 0;
    for (let i = 0; i < quarter.length; i++) diff += Math.abs(quarter[i] - shrunk[i]);
    const meanDiff = diff / quarter.length;
    assert.ok(meanDiff < 8, `mean abs difference ${meanDiff.toFixed(2)}`);
    // A wrong quarter is far off: the check can fail.
    const wrong = await sharp(z0.body)
      .extract({ left: 256, top: 0, width: 256, height: 256 })
      .removeAlpha()
      .raw()
      .toBuffer();
    let wrongDiff = 0;
    for (let i = 0; i < wrong.length; i++) wrongDiff += Math.abs(wrong[i] - shrunk[i]);
    assert.ok(wrongDiff / wrong.length > 2 * meanDiff + 5);
  });

  it('serves every catalogued tile as a decodable 512x512 JPEG', async () => {
    for (const tile of server.catalog.tiles()) {
      const res = await get(tileUrl(server.url, { ...tile, date: tile.date ?? 'default' }));
      assert.equal(res.status, 200, JSON.stringify(tile));
      const meta = await sharp(res.body).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 512, 512], JSON.stringify(tile));
    }
  });

  it('serves Blue Marble (no time dimension) for any date, dated or not, without Layer-Time-Actual', async () => {
    const dated = await get(
      tileUrl(server.url, { layer: MARBLE, date: '2024-05-31', tms: '500m', z: 3, row: 1, col: 2, ext: 'jpeg' }),
    );
    const timeless = await get(`${server.url}/wmts/epsg4326/best/${MARBLE}/default/500m/3/1/2.jpeg`);
    assert.equal(dated.status, 200);
    assert.ok(dated.body.equals(timeless.body));
    assert.equal(dated.headers['layer-time-actual'], undefined);
    const image = await pixels(dated.body);
    assert.ok(image.mean(0, 0, 512, 512) > 20);
    // z4 exists in 500m but is finer than the mosaic: blank, not upsampled imagery.
    const deeper = await get(
      tileUrl(server.url, { layer: MARBLE, date: 'default', tms: '500m', z: 4, row: 0, col: 0, ext: 'jpg' }),
    );
    assert.ok(deeper.body.equals(await readFile(path.join(dataDir, BLANK_JPEG_FILE))));
  });

  it('answers TIME default with the layer default date', async () => {
    const byDefault = await get(tileUrl(server.url, modisTile('default', 0, 0, 0)));
    const byDate = await get(tileUrl(server.url, modisTile('2020-09-27', 0, 0, 0)));
    assert.equal(byDefault.headers['layer-time-actual'], '2020-09-27T00:00:00Z');
    assert.ok(byDefault.body.equals(byDate.body));
  });

  it('answers GIBS errors with OWS exception reports', async () => {
    const base = `${server.url}/wmts/epsg4326/best`;
    const cases: Array<[string, number, string, string]> = [
      [`${base}/No_Such_Layer/default/2020-09-27/250m/0/0/0.jpg`, 400, 'InvalidParameterValue', 'LAYER'],
      [`${base}/${MODIS}/fancy/2020-09-27/250m/0/0/0.jpg`, 400, 'InvalidParameterValue', 'STYLE'],
      [`${base}/${MODIS}/default/2020-9-27/250m/0/0/0.jpg`, 400, 'InvalidParameterValue', 'TIME'],
      [`${base}/${MODIS}/default/2019-02-30/250m/0/0/0.jpg`, 400, 'InvalidParameterValue', 'TIME'],
      [`${base}/${MODIS}/default/2020-09-27/500m/0/0/0.jpg`, 400, 'InvalidParameterValue', 'TILEMATRIXSET'],
      [`${base}/${MODIS}/default/2020-09-27/250m/0/0/0.png`, 400, 'InvalidParameterValue', 'FORMAT'],
      [`${base}/${MODIS}/default/2020-09-27/250m/0/x/0.jpg`, 400, 'InvalidParameterValue', 'TILEROW'],
      [`${base}/${MODIS}/default/2020-09-27/250m/9/0/0.jpg`, 400, 'TileOutOfRange', 'TILEMATRIX'],
      [`${base}/${MODIS}/default/2020-09-27/250m/0/1/0.jpg`, 400, 'TileOutOfRange', 'TILEROW'],
      [`${base}/${MODIS}/default/2020-09-27/250m/2/0/5.jpg`, 400, 'TileOutOfRange', 'TILECOL'],
      [`${base}/${MODIS}/default/2009-12-31/250m/0/0/0.jpg`, 404, 'InvalidParameterValue', 'TIME'],
      [`${base}/${MODIS}/default/2020-09-28/250m/0/0/0.jpg`, 404, 'InvalidParameterValue', 'TIME'],
    ];
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
    for (const [url, status, code, locator] of cases) {
      const res = await get(url);
      assert.equal(res.status, status, url);
      assert.equal(res.headers['content-type'], 'text/xml', url);
      const report = parser.parse(res.body.toString('utf8')).ExceptionReport;
      assert.equal(report.Exception.exceptionCode, code, url);
      assert.equal(report.Exception.locator, locator, url);
      assert.ok(String(report.Exception.ExceptionText).length > 0);
    }
    assert.equal((await get(`${server.url}/somewhere/else`)).status, 404);
    assert.equal((await get(tileUrl(server.url, modisTile('2020-09-27', 0, 0, 0)), { method: 'POST' })).status, 405);
  });

  it('honours If-None-Match with a bodiless 304, and HEAD with headers only', async () => {
    const url = tileUrl(server.url, modisTile('2016-01-24', 5, 5, 10));
    const first = await get(url);
    const etag = String(first.headers.etag);
    const before = server.stats().notModified;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const again = await get(url, { headers: { 'If-None-Match': ifNoneMatch } });
      assert.equal(again.status, 304, ifNoneMatch);
      assert.equal(again.body.length, 0);
      assert.equal(again.headers.etag, etag);
    }
    assert.equal(server.stats().notModified, before + 3);
    assert.equal((await get(url, { headers: { 'If-None-Match': '"stale"' } })).status, 200);
    const head = await get(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(Number(head.headers['content-length']), first.body.length);
  });

  it('serves the real capabilities with only the served time dimensions widened', async () => {
    const res = await get(capabilitiesUrl(server.url));
    assert.equal(res.status, 200);
    const served = res.body.toString('utf8');
    const caps = parseCapabilities(served);
    assert.deepEqual(caps.layers.get(MODIS)?.time, {
      default: '2020-09-27',
      intervals: [{ start: '2010-01-01', end: '2020-09-27', period: 'P1D' }],
    });
    assert.equal(caps.layers.get(MARBLE)?.time, undefined);
    const original = await readFile(path.join(dataDir, CAPABILITIES_FILE), 'utf8');
    assert.equal(caps.layers.size, parseCapabilities(original).layers.size);
    // Undo the two edits: the rest must be the original, byte for byte.
    const restored = served
      .replace('<Default>2020-09-27</Default>', '<Default>2017-04-24</Default>')
      .replace(`<Value>2010-01-01/2020-09-27/P1D</Value>`, '<Value>2010-01-01/2017-04-24/P1D</Value>');
    assert.equal(restored, original);
    const kvp = await get(`${server.url}/wmts/epsg4326/best/wmts.cgi?SERVICE=WMTS&request=GetCapabilities`);
    assert.ok(kvp.body.equals(res.body));
    assert.equal(
      (await get(capabilitiesUrl(server.url), { headers: { 'If-None-Match': String(res.headers.etag) } })).status,
      304,
    );
  });

  it('counts what it answered', () => {
    const stats = server.stats();
    assert.ok(stats.requests >= stats.tiles + stats.blanks + stats.notModified + stats.errors);
    assert.ok(stats.tiles > 90 && stats.blanks >= 6 && stats.errors >= 14, JSON.stringify(stats));
    assert.equal(stats.faults, 0);
  });
});
