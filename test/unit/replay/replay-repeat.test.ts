import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tileUrl } from '../../../shared/gibs/index.js';
import { BLANK_JPEG_FILE, startReplayServer, type ReplayServer } from '../../../services/replay/index.js';
import { dataDir, get } from '../../support/raw-request.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const MARBLE = 'BlueMarble_ShadedRelief_Bathymetry';
/** a JPEG layer of the capabilities for which the kit has no imagery */
const NO_IMAGERY = 'MODIS_Aqua_CorrectedReflectance_TrueColor';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const modis = (date: string, z: number, row: number, col: number) =>
  ({ layer: MODIS, date, tms: '250m', z, row, col, ext: 'jpg' }) as const;

/** repeatRealTiles: any valid tile of a layer with imagery answers with that layer's real imagery, marked. */
describe('GIBS replay server: repeatRealTiles', () => {
  let plain: ReplayServer;
  let repeating: ReplayServer;
  let blank: string;
  /** sha256 of every imagery tile the kit has for MODIS, as the plain server serves them */
  const modisImagery = new Set<string>();

  before(async () => {
    plain = await startReplayServer({ dataDir });
    repeating = await startReplayServer({ dataDir, repeatRealTiles: true });
    blank = sha(await readFile(path.join(dataDir, BLANK_JPEG_FILE)));
    for (const t of plain.catalog.tiles().filter((t) => t.layer === MODIS)) {
      const res = await get(tileUrl(plain.url, { ...t, date: t.date ?? '2020-09-27' }));
      assert.equal(res.status, 200);
      modisImagery.add(sha(res.body));
    }
    assert.ok(modisImagery.size >= 20, `the kit has ${modisImagery.size} MODIS imagery tiles`);
  });
  after(async () => {
    await plain.close();
    await repeating.close();
  });

  it('is off by default: a tile without imagery is the blank tile, unmarked', async () => {
    const res = await get(tileUrl(plain.url, modis('2020-09-20', 5, 7, 13)));
    assert.equal(res.status, 200);
    assert.equal(sha(res.body), blank);
    assert.equal(res.headers['x-replay-repeated'], undefined);
    assert.equal(plain.stats().repeated, 0);
  });

  it('answers tiles without imagery with the layer’s own imagery, marked, the same bytes every time', async () => {
    const before = repeating.stats();
    const seen = new Set<string>();
    for (let col = 0; col < 40; col++) {
      const url = tileUrl(repeating.url, modis('2020-09-20', 5, 9, col));
      const res = await get(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'image/jpeg');
      assert.equal(res.headers['x-replay-repeated'], '1');
      assert.ok(modisImagery.has(sha(res.body)), `col ${col} is one of the kit's MODIS tiles`);
      const again = await get(url);
      assert.ok(again.body.equals(res.body), `col ${col} answers the same bytes again`);
      assert.equal(again.headers.etag, res.headers.etag);
      seen.add(sha(res.body));
    }
    // picked by position: one row of 40 tiles draws on many different tiles of the pool of 25
    assert.ok(seen.size >= 10, `only ${seen.size} distinct tiles across 40 positions`);
    const after = repeating.stats();
    assert.equal(after.repeated - before.repeated, 80);
    assert.equal(after.tiles - before.tiles, 80);
    assert.equal(after.blanks, before.blanks);
  });

  it('the pick depends on the date too, and two servers pick alike', async () => {
    const other = await startReplayServer({ dataDir, repeatRealTiles: true });
    try {
      let differ = 0;
      for (let col = 0; col < 20; col++) {
        const a = await get(tileUrl(repeating.url, modis('2020-09-20', 5, 3, col)));
        const b = await get(tileUrl(other.url, modis('2020-09-20', 5, 3, col)));
        assert.ok(a.body.equals(b.body), `col ${col}: the same answer from a second server`);
        const c = await get(tileUrl(repeating.url, modis('2020-09-21', 5, 3, col)));
        if (!c.body.equals(a.body)) differ++;
      }
      assert.ok(differ >= 10, `only ${differ} of 20 positions changed with the date`);
    } finally {
      await other.close();
    }
  });

  it('serves real imagery where it exists as itself, unmarked', async () => {
    const url = (base: string) => tileUrl(base, modis('2020-09-27', 1, 0, 0));
    const real = await get(url(plain.url));
    const res = await get(url(repeating.url));
    assert.ok(res.body.equals(real.body));
    assert.equal(res.headers['x-replay-repeated'], undefined);
  });

  it('repeats a layer without a time dimension for any date', async () => {
    const marble = { layer: MARBLE, tms: '500m', z: 5, row: 4, col: 7, ext: 'jpeg' };
    const res = await get(tileUrl(repeating.url, { ...marble, date: '2021-01-01' }));
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-replay-repeated'], '1');
    assert.notEqual(sha(res.body), blank);
    const plainRes = await get(tileUrl(plain.url, { ...marble, date: '2021-01-01' }));
    assert.equal(sha(plainRes.body), blank);
  });

  it('keeps layers without imagery blank and every GIBS error an error', async () => {
    const noImagery = await get(
      tileUrl(repeating.url, { layer: NO_IMAGERY, date: '2016-01-24', tms: '250m', z: 3, row: 1, col: 1, ext: 'jpg' }),
    );
    assert.equal(noImagery.status, 200);
    assert.equal(sha(noImagery.body), blank);
    assert.equal(noImagery.headers['x-replay-repeated'], undefined);
    assert.equal((await get(tileUrl(repeating.url, modis('2020-09-20', 5, 20, 0)))).status, 400); // row out of range
    assert.equal((await get(tileUrl(repeating.url, modis('2031-01-01', 5, 0, 0)))).status, 404); // date out of range
  });
});
