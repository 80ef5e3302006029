import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createAlerter, createRegistryReferenceEmbedder, type Alerter } from '../../services/alerter/index.js';
import { startReplayServer, type ReplayServer } from '../../services/replay/index.js';
import { produceTyped } from '../../shared/bus/index.js';
import { formatDate } from '../../shared/gibs/index.js';
import { silentLogger } from '../../shared/log/index.js';
import { pointId } from '../../shared/tiles/index.js';
import { MODIS, openTestApi, type TestApi, type TestTile } from '../support/api-fixtures.js';
import { kit, repositoryRoot, tiles as kitTiles } from '../support/data-kit.js';

// Issue 9's page in Debian's headless Chromium (playwright-core): the API over a real index (48 embedded tiles),
// the map's tiles from the replay server, and the alerter consuming tiles.embedded. Screenshots go to
// test-artifacts/web/. Tests run in order on one page: each builds on the state the previous one left.

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SHOTS = path.join(repositoryRoot(), 'test-artifacts/web');
const OL_READBACK_HINT = /^Canvas2D: Multiple readback operations using getImageData/;
const RULE_NAME = 'web e2e: like this tile';

const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i], 0);

describe('web page in headless Chromium', () => {
  let replay: ReplayServer;
  let api: TestApi;
  let alerter: Alerter;
  let browser: Browser;
  let page: Page;
  let url: string;
  /** console errors, page errors and failed requests: each test asserts there are none */
  const problems: string[] = [];
  const replayTiles: { url: string; status: number; type: string }[] = [];

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const noProblems = () => assert.deepEqual(problems, [], problems.join('\n'));
  const tileAt = (layer: string, date: string, z: number, row: number, col: number): TestTile => {
    const tile = api.tiles.find(
      (t) =>
        t.payload.layer === layer &&
        t.payload.date.startsWith(date) &&
        t.payload.z === z &&
        t.payload.row === row &&
        t.payload.col === col,
    );
    assert.ok(tile, `the test index has ${layer} ${date} ${z}/${row}/${col}`);
    return tile;
  };
  const resultIds = () =>
    page.locator('#result-grid .result').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    replay = await startReplayServer({ dataDir: kit() });
    api = await openTestApi({ 'gibs.baseUrl': replay.url });
    url = await api.app.listen({ host: '127.0.0.1', port: 0 });
    const bus = api.deps.bus;
    assert.ok(bus, 'the test API has a bus');
    await bus.ensureTopics([{ name: 'tiles.embedded' }, { name: 'alerts' }, { name: 'tiles.dlq' }]);
    alerter = createAlerter(
      {
        bus,
        store: api.deps.alerts,
        embedder: createRegistryReferenceEmbedder({ registry: api.deps.models }),
        log: silentLogger(),
      },
      { groupId: 'alerters', maxAgeDays: 3, idleWaitMs: 50, rulesRefreshMs: 0 },
    );
    alerter.start();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      // OpenLayers' hit detection measures getImageData with and without willReadFrequently (ExecutorGroup.js),
      // which makes Chromium print this hint once; any other warning counts as a problem.
      else if (m.type() === 'warning' && !OL_READBACK_HINT.test(m.text()))
        problems.push(`console warning: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => {
      if (r.url().startsWith(replay.url)) {
        replayTiles.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] ?? '' });
      }
    });
  });

  after(async () => {
    await browser?.close();
    await alerter?.stop();
    await api?.close();
    await replay?.close();
  });

  it('loads with no console errors and draws GIBS tiles from the replay server', async () => {
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await page.waitForFunction(() => Number(document.getElementById('map')?.dataset.tilesLoaded ?? 0) >= 2);
    await page.waitForTimeout(500); // the imagery layer's tiles
    assert.match(
      await page.locator('#index-info').innerText(),
      new RegExp(`^${api.tiles.length} tiles · ${api.model}$`),
    );
    assert.equal(await page.locator('#imagery-date').inputValue(), '2020-09-27', 'the newest harvested date');
    assert.equal(await page.locator('#layer-list input[type=checkbox]').count(), 1);
    const base = replayTiles.filter((t) => t.url.includes('/BlueMarble_ShadedRelief_Bathymetry/default/500m/0/'));
    const imagery = replayTiles.filter((t) => t.url.includes(`/${MODIS}/default/2020-09-27/250m/`));
    assert.ok(base.length >= 2, `base tiles: ${JSON.stringify(replayTiles)}`);
    assert.ok(imagery.length >= 1, `imagery tiles: ${JSON.stringify(replayTiles)}`);
    assert.ok([...base, ...imagery].every((t) => t.status === 200 && t.type === 'image/jpeg'));
    assert.ok(replay.stats().tiles >= base.length + imagery.length, 'real imagery, not blank tiles');
    assert.equal(await page.locator('#stream-state').innerText(), 'live');
    await shot('01-loaded');
    noProblems();
  });

  it('a click on an indexed tile of the map searches for tiles like it', async () => {
    // The map's centre is (0°, 0°); at the start view GIBS level 0 is shown, and the imagery date is 2020-09-27.
    const expected = tileAt(MODIS, '2020-09-27', 0, 0, 0);
    const box = await page.locator('#map').boundingBox();
    assert.ok(box);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForSelector(`#query img[src="/v1/tiles/${expected.id}/thumbnail"]`);
    await page.waitForSelector('#result-grid .result');
    const ids = await resultIds();
    assert.ok(ids.length > 0 && !ids.includes(expected.id), 'the query tile is left out of its own results');
    await shot('02-map-click');
    noProblems();
  });

  it('a search by an uploaded real tile shows thumbnails with scores and footprints', async () => {
    const geo10 = tileAt(MODIS, '2016-01-24', 5, 5, 10);
    await page.locator('#search-form input[name=image]').setInputFiles(kitTiles.geo10);
    await page.waitForSelector(`#result-grid .result[data-id="${geo10.id}"]`);
    const ids = await resultIds();
    assert.equal(ids.length, 20, 'the default limit');
    assert.equal(ids[0], geo10.id, 'the uploaded tile is in the index: it comes first');
    const scores = (await page.locator('#result-grid .score').allInnerTexts()).map(Number);
    assert.ok(scores[0] > 0.99, `top score ${scores[0]}`);
    assert.ok(
      scores.every((s, i) => i === 0 || s <= scores[i - 1]),
      `scores descend: ${scores}`,
    );
    assert.ok(scores[0] - scores[scores.length - 1] > 0.01, `scores differ: ${scores}`);
    await page.waitForFunction(() =>
      Array.from(document.querySelectorAll<HTMLImageElement>('#result-grid .result img'))
        .slice(0, 4)
        .every((img) => img.complete && img.naturalWidth > 0),
    );
    assert.equal(await page.locator('#map').getAttribute('data-footprints'), '20');
    const worldview = await page.locator('#result-grid .worldview').first().getAttribute('href');
    assert.match(worldview ?? '', /^https:\/\/worldview\.earthdata\.nasa\.gov\/\?v=/);
    await page.locator('#result-grid .result').nth(1).hover();
    await shot('03-search-results');
    noProblems();
  });

  it('a box drawn on the map and a date range narrow the search', async () => {
    const map = await page.locator('#map').boundingBox();
    assert.ok(map);
    // The start view (nothing has zoomed or panned): the world across the map's width, centred on (0°, 0°).
    const res = 360 / map.width;
    const at = (lon: number, lat: number) => ({
      x: map.x + map.width / 2 + lon / res,
      y: map.y + map.height / 2 - lat / res,
    });
    const zoom = await page.locator('#map').getAttribute('data-zoom');
    assert.ok(zoom !== null && Number(zoom) > 0, `zoom ${zoom}`);
    await page.locator('#draw-box').click();
    const [a, b] = [at(-100, 25), at(-60, 55)];
    await page.mouse.click(a.x, a.y);
    await page.mouse.move(b.x, b.y, { steps: 5 });
    await page.mouse.click(b.x, b.y);
    await page.waitForFunction(() => document.getElementById('bbox-text')?.textContent !== 'whole world');
    const drawn = (await page.locator('#bbox-text').innerText()).split(',').map(Number);
    [-100, 25, -60, 55].forEach((v, i) => assert.ok(Math.abs(drawn[i] - v) < 1, `bbox ${drawn}`));
    await page.waitForTimeout(400); // past OpenLayers' double-click window
    assert.equal(await page.locator('#map').getAttribute('data-zoom'), zoom, 'drawing a box does not zoom the map');
    await page.locator('#search-form input[name=from]').fill('2016-01-01');
    await page.locator('#search-form input[name=to]').fill('2016-12-31');
    await page.locator('#search-button').click();
    const expected = api.tiles
      .filter((t) => t.payload.date.startsWith('2016-'))
      .filter(
        ({ payload: { bbox } }) =>
          bbox[0] <= drawn[2] && bbox[2] >= drawn[0] && bbox[1] <= drawn[3] && bbox[3] >= drawn[1],
      )
      .map((t) => t.id)
      .sort();
    assert.ok(expected.length >= 2 && expected.length < api.tiles.length / 4, `expected ${expected.length} tiles`);
    await page.waitForFunction((n) => document.querySelectorAll('#result-grid .result').length === n, expected.length);
    assert.deepEqual((await resultIds()).sort(), expected);
    assert.equal(await page.locator('#map').getAttribute('data-footprints'), String(expected.length));
    await shot('04-box-and-dates');
    await page.locator('#clear-box').click();
    await page.locator('#search-form input[name=from]').fill('');
    await page.locator('#search-form input[name=to]').fill('');
    assert.equal(await page.locator('#bbox-text').innerText(), 'whole world');
    noProblems();
  });

  it('the embedding view lays out the sample; hovering a point shows its thumbnail, a click searches', async () => {
    await page.waitForFunction((n) => {
      const canvas = document.getElementById('embedding-canvas');
      return canvas?.dataset.layout === 'done' && canvas.dataset.points === String(n);
    }, api.tiles.length);
    // Find a drawn point on the canvas by its pixels (the canvas has no images on it, so it can be read).
    const point = await page.evaluate(() => {
      const canvas = document.getElementById('embedding-canvas') as HTMLCanvasElement;
      const g = canvas.getContext('2d');
      if (g === null) return null;
      const { data, width, height } = g.getImageData(0, 0, canvas.width, canvas.height);
      let painted = 0;
      let first: { x: number; y: number } | null = null;
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          if (data[(y * width + x) * 4 + 3] === 255) {
            painted++;
            first ??= { x: x + 2, y: y + 3 };
          }
        }
      }
      const ratio = canvas.width / canvas.clientWidth;
      const box = canvas.getBoundingClientRect();
      return first === null ? null : { x: box.left + first.x / ratio, y: box.top + first.y / ratio, painted };
    });
    assert.ok(point, 'points are drawn');
    assert.ok(point.painted > api.tiles.length * 10, `painted pixels ${point.painted}`);
    await page.mouse.move(point.x, point.y);
    const tooltip = page.locator('#embedding-tooltip');
    await tooltip.waitFor({ state: 'visible' });
    const src = await tooltip.locator('img').getAttribute('src');
    const picked = /^\/v1\/tiles\/([0-9a-f-]{36})\/thumbnail$/.exec(src ?? '')?.[1];
    assert.ok(picked && api.tileIds.includes(picked), `tooltip thumbnail ${src}`);
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#embedding-tooltip img');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    await shot('05-embedding-hover');
    await page.locator('#colour-by').selectOption('layer');
    const layers = new Set(api.tiles.map((t) => t.payload.layer));
    assert.equal(layers.size, 2);
    assert.deepEqual(
      (
        await page
          .locator('#embedding-legend .legend-item')
          .evaluateAll((els) => els.map((e) => e.getAttribute('title')))
      ).sort(),
      [...layers].sort(),
    );
    await page.mouse.click(point.x, point.y);
    await page.waitForSelector(`#query img[src="/v1/tiles/${picked}/thumbnail"]`);
    await page.waitForFunction((id) => {
      const ids = Array.from(document.querySelectorAll('#result-grid .result')).map((e) => e.getAttribute('data-id'));
      return ids.length > 0 && !ids.includes(id);
    }, picked);
    noProblems();
  });

  it('an alert rule made from a result (after the key prompt) is listed, and its alert arrives live', async () => {
    // Search by the uploaded tile again: the first result is geo10 itself, the reference of the rule.
    const reference = tileAt(MODIS, '2016-01-24', 5, 5, 10);
    await page.locator('#search-form input[name=image]').setInputFiles(kitTiles.geo10);
    await page.waitForSelector(`#result-grid .result:first-child[data-id="${reference.id}"]`);
    const makeRule = async (key: string) => {
      await page.locator('#result-grid .result').first().locator('.create-rule').click();
      await page.locator('#rule-dialog').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#rule-form input[name=threshold]').inputValue(), '0.90');
      await page.locator('#rule-form input[name=name]').fill(RULE_NAME);
      await page.locator('#rule-form button[type=submit]').click();
      // The page asks for a key before the write.
      await page.locator('#key-dialog').waitFor({ state: 'visible' });
      await page.locator('#key-form input[name=key]').fill(key);
      if (key === api.keys.write) await shot('06-key-prompt');
      await page.locator('#key-form button[value=ok]').click();
    };
    // A read key is refused: the page says so, forgets it, and asks again on the next write.
    await makeRule(api.keys.read);
    await page.locator('#status.error', { hasText: 'Creating the rule failed' }).waitFor();
    assert.match(await page.locator('#status').innerText(), /write role/);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the refused key is forgotten');
    assert.deepEqual(await api.deps.alerts.listRules(), []);
    // Chromium reports the 403 answer on the console; it is the one expected there.
    const refused = problems.findIndex((p) => /status of 403/.test(p));
    assert.ok(refused >= 0, problems.join('\n'));
    problems.splice(refused, 1);
    await makeRule(api.keys.write);
    await page.locator('#rule-list .rule', { hasText: RULE_NAME }).waitFor();
    const rules = await api.deps.alerts.listRules();
    assert.equal(rules.length, 1);
    assert.equal(rules[0].name, RULE_NAME);
    assert.equal(rules[0].threshold, 0.9);
    assert.deepEqual(
      rules[0].references.map((r) => r.tileId),
      [reference.id],
    );

    // Two new tiles are ingested as an embedder does it (bytes in the tile store, point in the serving collection,
    // then tiles.embedded): today's copy of the reference, and today's copy of the tile least like it.
    const unlike = api.tiles
      .filter((t) => t.id !== reference.id)
      .map((t) => ({ t, cos: cosine(t.vector, reference.vector) }))
      .sort((a, b) => a.cos - b.cos)[0];
    assert.ok(unlike.cos < 0.8, `a tile unlike the reference exists (cos ${unlike.cos})`);
    const today = formatDate(Date.now());
    const ingest = async (t: TestTile) => {
      const day = t.payload.date.slice(0, 10);
      const tileUri = t.payload.tile_uri.replace(day, today);
      assert.notEqual(tileUri, t.payload.tile_uri);
      const now = new Date().toISOString();
      const payload = { ...t.payload, date: `${today}T00:00:00Z`, tile_uri: tileUri, ingested_at: now };
      const id = pointId(payload.layer, today, payload.tms, payload.z, payload.row, payload.col);
      await api.deps.blobs.put(tileUri, t.bytes);
      await api.deps.store.upsert(api.collection, [{ id, vector: t.vector, payload }]);
      const value = { v: 1 as const, id, model: api.model, vector: [...t.vector], payload, embedded_at: now };
      return { key: id, value };
    };
    const like = await ingest(reference);
    const other = await ingest(unlike.t);
    const bus = api.deps.bus;
    assert.ok(bus);
    await produceTyped(bus, 'tiles.embedded', [like, other]);

    const alert = page.locator('#live-alerts .alert', { hasText: RULE_NAME });
    await alert.waitFor({ timeout: 30_000 });
    await alerter.untilIdle();
    await page.waitForTimeout(600); // a stream poll or two: nothing more may come
    assert.equal(await page.locator('#live-alerts .alert').count(), 1, 'only the like tile alerts');
    const recorded = await api.deps.alerts.listAlerts({ limit: 10 });
    assert.deepEqual(
      recorded.map((a) => a.tileId),
      [like.key],
    );
    assert.equal(await alert.getAttribute('data-id'), recorded[0].id);
    assert.match(await alert.innerText(), new RegExp(`${recorded[0].score.toFixed(3)} · ${today}`));
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#live-alerts .alert img');
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    await page.waitForTimeout(2100); // the arrival flash fades before the picture
    await shot('07-alert-live');
    noProblems();
  });
});

describe('web page over an empty index (a new install)', () => {
  it('loads with no console errors, says the index is empty and still draws the base map', async () => {
    const replay = await startReplayServer({ dataDir: kit() });
    const api = await openTestApi({ 'gibs.baseUrl': replay.url }, { empty: true });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    try {
      const url = await api.app.listen({ host: '127.0.0.1', port: 0 });
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || (m.type() === 'warning' && !OL_READBACK_HINT.test(m.text())))
          problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
      await page.waitForFunction(() => Number(document.getElementById('map')?.dataset.tilesLoaded ?? 0) >= 2);
      assert.equal(await page.locator('#index-info').innerText(), 'index empty');
      assert.equal(await page.locator('#embedding-state').innerText(), 'the index is empty');
      assert.deepEqual(await page.locator('#imagery-date option').allInnerTexts(), ['none']);
      await mkdir(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, '08-empty-index.png') });
      assert.deepEqual(problems, [], problems.join('\n'));
    } finally {
      await browser.close();
      await api.close();
      await replay.close();
    }
  });
});
