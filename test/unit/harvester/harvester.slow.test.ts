import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError, ValidationError } from '../../../shared/errors/index.js';
import { clampBbox, pointId, tileBbox } from '../../../shared/tiles/index.js';
import { createHarvester, type HarvestRequest, harvesterErrorCodes } from '../../../services/harvester/index.js';
import { silentLogger } from '../../../shared/log/index.js';
import { startReplayServer, type ReplayServer } from '../../../services/replay/index.js';
import {
  openHarness,
  readFetched,
  removeDir,
  sharedCapabilities,
  type Harness,
} from '../../support/harvester-harness.js';
import { kit } from '../../support/data-kit.js';

const dataDir = kit();
const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
// Blue Marble (static, 500m) has imagery at every z3 tile of the replay: 10 × 5 non-blank tiles.
const marbleZ3: HarvestRequest = {
  layer: 'BlueMarble_ShadedRelief_Bathymetry',
  from: '2016-01-24',
  to: '2016-01-24',
  levels: [3],
};
// z5, rows 5..6 × cols 10..12: the two real tiles (5/5/10, 5/5/11) and four blanks
const area: HarvestRequest = {
  layer: MODIS,
  from: '2016-01-24',
  to: '2016-01-24',
  levels: [5],
  bbox: [-89, 28, -64, 44],
};
const realTile = (col: number) =>
  readFile(path.join(dataDir, `gibs/tiles/epsg4326/${MODIS}/default/2016-01-24/250m/5/5/${col}.jpg`));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('harvester service (GIBS replay server, real bus, tile store and ledger)', () => {
  let replay: ReplayServer;
  let caps: ReturnType<typeof sharedCapabilities>;
  const dirs: string[] = [];
  const open = async (options: Parameters<typeof openHarness>[1] = {}): Promise<Harness> => {
    const h = await openHarness(replay.url, { capabilities: caps.cache, ...options });
    dirs.push(h.dir);
    return h;
  };
  before(async () => {
    replay = await startReplayServer({ dataDir });
    caps = sharedCapabilities(replay.url);
  });
  beforeEach(() => {
    replay.changeEtags('');
    for (const t of ['5/5/10', '5/5/11', '5/6/10']) replay.faultTile(t, undefined);
  });
  after(async () => {
    await caps.close();
    await replay.close();
    for (const dir of dirs) await removeDir(dir);
  });

  it('stores real tiles, skips blanks, produces one message per non-blank tile; a second run adds nothing', async () => {
    const h = await open();
    const progress: number[] = [];
    const first = await h.harvester.harvest(area, { onProgress: (p) => progress.push(p.done) });
    assert.deepEqual(
      {
        tiles: first.tiles,
        fetched: first.fetched,
        blank: first.blank,
        unchanged: first.unchanged,
        failed: first.failed,
        interrupted: first.interrupted,
      },
      { tiles: 6, fetched: 2, blank: 4, unchanged: 0, failed: 0, interrupted: false },
    );
    assert.deepEqual(progress, [1, 2, 3, 4, 5, 6]);
    const messages = await readFetched(h.bus);
    assert.equal(messages.length, 2);
    for (const col of [10, 11]) {
      const bytes = await realTile(col);
      const m = messages.find((x) => x.col === col);
      assert.ok(m, `message for col ${col}`);
      assert.equal(m.id, pointId(MODIS, '2016-01-24', '250m', 5, 5, col));
      assert.deepEqual([m.layer, m.date, m.tms, m.z, m.row], [MODIS, '2016-01-24', '250m', 5, 5]);
      assert.deepEqual(m.bbox, clampBbox(tileBbox(5, 5, col)));
      assert.equal(m.blob_key, `tiles/${MODIS}/2016-01-24/250m/5/5/${col}.jpg`);
      assert.equal(m.sha256, sha(bytes));
      assert.equal(m.bytes, bytes.length);
      assert.equal(m.content_type, 'image/jpeg');
      assert.deepEqual(Buffer.from((await h.blobs.get(m.blob_key))!), bytes);
    }
    const stored: string[] = [];
    for await (const key of h.blobs.list('')) stored.push(key);
    assert.equal(stored.length, 2, 'blank tiles are not stored');
    assert.equal(
      first.bytes,
      messages.reduce((n, m) => n + m.bytes, 0),
    );
    assert.deepEqual(await h.ledger.counts(), { produced: 2, blank: 4, failed: 0 });

    const requestsBefore = replay.stats().tileRequests;
    const notModifiedBefore = replay.stats().notModified;
    const second = await h.harvester.harvest(area);
    assert.deepEqual([second.fetched, second.blank, second.unchanged, second.failed], [0, 0, 6, 0]);
    assert.equal(replay.stats().tileRequests - requestsBefore, 6, 'one request per tile');
    assert.equal(replay.stats().notModified - notModifiedBefore, 6, 'every request was conditional and answered 304');
    assert.equal((await readFetched(h.bus)).length, 2);
    const metrics = await h.registry.metrics();
    assert.match(metrics, /gibs_embed_harvester_tiles_total\{outcome="fetched"\} 2/);
    assert.match(metrics, /gibs_embed_harvester_tiles_total\{outcome="unchanged"\} 6/);
    await h.close();
  });

  it('treats the same bytes under a new ETag as unchanged and produces nothing', async () => {
    const h = await open();
    await h.harvester.harvest(area);
    replay.changeEtags('redeployed');
    const notModifiedBefore = replay.stats().notModified;
    const again = await h.harvester.harvest(area);
    assert.deepEqual([again.fetched, again.blank, again.unchanged], [0, 0, 6]);
    assert.equal(replay.stats().notModified, notModifiedBefore, 'old ETags no longer match: full bodies came back');
    assert.equal((await readFetched(h.bus)).length, 2);
    // the new ETags are remembered: the next run is all 304s again
    const third = await h.harvester.harvest(area);
    assert.equal(third.unchanged, 6);
    assert.equal(replay.stats().notModified - notModifiedBefore, 6);
    await h.close();
  });

  it('refuses bad input with a ValidationError before any tile request', async () => {
    const h = await open();
    const before = replay.stats().tileRequests;
    const cases: [Partial<HarvestRequest>, string, RegExp][] = [
      [{ layer: 'Not_A_Layer' }, 'UNKNOWN_LAYER', /Not_A_Layer/],
      [{ from: '2030-01-01', to: '2030-01-02' }, 'DATE_OUT_OF_RANGE', /2030-01-01.*2010-01-01 \.\. 2020-09-27/],
      [{ levels: [12] }, 'BAD_LEVEL', /level 12.*0\.\.8/],
      [{ bbox: [-89, 28, -64, 95] }, 'BAD_BBOX', /95/],
      [{ tms: '31.25m' }, 'UNKNOWN_TMS', /31\.25m.*250m/],
    ];
    for (const [change, code, message] of cases) {
      await assert.rejects(
        h.harvester.harvest({ ...area, ...change }),
        (e: unknown) => e instanceof ValidationError && e.code === code && message.test(e.message),
      );
    }
    assert.equal(replay.stats().tileRequests, before);
    await h.close();
  });

  it('reports a tile that keeps failing without stopping the run, and picks it up on the next run', async () => {
    const h = await open();
    replay.faultTile('5/5/10', { kind: 'status', status: 503 });
    replay.faultTile('5/6/10', { kind: 'status', status: 404 });
    const requestsBefore = replay.stats().tileRequests;
    const run = await h.harvester.harvest(area);
    assert.deepEqual([run.fetched, run.blank, run.failed], [1, 3, 2]);
    assert.deepEqual(run.failures.map((f) => [f.tile, f.code]).sort(), [
      [`${MODIS}/2016-01-24/250m/5/5/10`, 'UPSTREAM_UNAVAILABLE'],
      [`${MODIS}/2016-01-24/250m/5/6/10`, 'DATE_OUT_OF_RANGE'],
    ]);
    assert.match(run.failures.find((f) => f.code === 'UPSTREAM_UNAVAILABLE')!.reason, /gave up after 4 attempts/);
    // 4 healthy tiles + 4 attempts at the 503 tile + 1 at the 404 tile (never retried)
    assert.equal(replay.stats().tileRequests - requestsBefore, 4 + 4 + 1);
    assert.equal((await h.ledger.get(`${MODIS}/2016-01-24/250m/5/5/10`))?.status, 'failed');

    replay.faultTile('5/5/10', undefined);
    replay.faultTile('5/6/10', undefined);
    const retry = await h.harvester.harvest(area);
    assert.deepEqual([retry.fetched, retry.blank, retry.unchanged, retry.failed], [1, 1, 4, 0]);
    const messages = await readFetched(h.bus);
    assert.deepEqual(messages.map((m) => m.col).sort(), [10, 11]);
    await h.close();
  });

  it('checks content type and decodability; nothing bad is stored or produced', async () => {
    const h = await open();
    replay.faultTile('5/5/10', {
      kind: 'body',
      contentType: 'text/html; charset=utf-8',
      body: Buffer.from('<html>maintenance</html>'),
    });
    replay.faultTile('5/5/11', {
      kind: 'body',
      contentType: 'image/jpeg',
      body: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]),
    });
    replay.faultTile('5/6/10', {
      kind: 'body',
      contentType: 'image/jpeg',
      body: await readFile(path.join(dataDir, 'gibs/blank/Blank_RGBA_512.png')),
    });
    const run = await h.harvester.harvest(area);
    assert.deepEqual([run.fetched, run.blank, run.failed], [0, 3, 3]);
    const codes = Object.fromEntries(run.failures.map((f) => [f.tile.split('/').slice(-3).join('/'), f.code]));
    assert.deepEqual(codes, { '5/5/10': 'BAD_CONTENT_TYPE', '5/5/11': 'UNDECODABLE', '5/6/10': 'BAD_CONTENT_TYPE' });
    assert.equal((await readFetched(h.bus)).length, 0);
    for await (const key of h.blobs.list('')) assert.fail(`stored ${key}`);
    await h.close();
  });

  it('resumes an interrupted harvest after a restart; every tile arrives exactly once', async () => {
    const request = marbleZ3;
    const h = await open();
    const controller = new AbortController();
    const first = await h.harvester.harvest(request, {
      signal: controller.signal,
      onProgress: (p) => p.done === 15 && controller.abort(),
    });
    assert.equal(first.interrupted, true);
    assert.ok(first.fetched >= 15 && first.fetched < 50, `fetched ${first.fetched} before the abort`);
    await h.close();

    const restarted = await open({ dir: h.dir });
    const second = await restarted.harvester.harvest(request);
    assert.equal(second.interrupted, false);
    assert.equal(second.failed, 0);
    const produced = (await readFetched(restarted.bus)).map((m) => m.id);
    assert.equal(produced.length, 50);
    assert.equal(new Set(produced).size, 50);
    assert.equal(second.fetched + second.unchanged, 50);
    assert.ok(second.fetched <= 50 - first.fetched, 'tiles produced before the abort are not produced again');
    await restarted.close();
  });

  it('stop() drains: no new tiles start, in-flight ones finish, later harvests are refused', async () => {
    // the same capabilities (from the shared cache), tiles from a second replay that answers 30 ms late
    const slow = await startReplayServer({ dataDir, faults: { latencyMs: 30 } });
    const h = await openHarness(slow.url, { capabilities: caps.cache });
    dirs.push(h.dir);
    let stopped: Promise<void> | undefined;
    const summary = await h.harvester.harvest(marbleZ3, {
      onProgress: (p) => {
        if (p.done === 4) stopped = h.harvester.stop();
      },
    });
    await stopped;
    assert.equal(summary.interrupted, true);
    assert.ok(summary.fetched >= 4 && summary.fetched <= 8, `fetched ${summary.fetched}`);
    assert.equal((await readFetched(h.bus)).length, summary.fetched, 'every counted tile is on the bus');
    await assert.rejects(
      h.harvester.harvest(area),
      (e: unknown) => e instanceof AppError && e.code === harvesterErrorCodes.harvesterStopped,
    );
    await h.close();
    await slow.close();
  });

  it('stop() aborts tiles still hanging after the drain timeout', async () => {
    const h = await open({ config: { drainTimeoutMs: 100 }, gibs: { timeoutMs: 30_000 } });
    replay.faultTile('5/5/10', { kind: 'hang' });
    const running = h.harvester.harvest(area);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await h.harvester.stop();
    assert.ok(Date.now() - started < 2000, 'stop returned after the drain timeout');
    const summary = await running;
    assert.equal(summary.interrupted, true);
    await h.close();
  });

  it('runs every scheduled job for today minus the lag; a bad job does not stop the others', async () => {
    const h = await open({
      config: {
        lagDays: 2,
        catchUpDays: 0,
        jobs: [
          { layer: 'Not_A_Layer', levels: [0] },
          { layer: MODIS, levels: [5], bbox: [-89, 37, -73, 44] },
        ],
      },
    });
    const summaries = await h.harvester.runScheduled(new Date('2016-01-26T06:00:00Z'));
    assert.equal(summaries.length, 1);
    assert.deepEqual(summaries[0]!.dates, ['2016-01-24']);
    assert.equal(summaries[0]!.fetched, 2);
    await h.close();
  });

  it('catches up on the days before: fetches what the ledger lacks, never re-requests what it holds', async () => {
    const h = await open({
      config: { lagDays: 0, catchUpDays: 2, jobs: [{ layer: MODIS, levels: [5], bbox: [-89, 37, -73, 44] }] },
    });
    const now = new Date('2016-01-24T06:00:00Z');
    replay.faultTile('5/5/10', { kind: 'status', status: 404 }); // fails on every date, never retried
    const first = await h.harvester.runScheduled(now);
    assert.deepEqual(first[0]!.dates, ['2016-01-22', '2016-01-23', '2016-01-24']);
    assert.deepEqual([first[0]!.tiles, first[0]!.failed], [6, 3]);
    replay.faultTile('5/5/10', undefined);
    const before = replay.stats().tileRequests;
    const second = await h.harvester.runScheduled(now);
    // today's 2 tiles are checked again (conditionally); of the earlier days only the 2 failed tiles are requested
    assert.equal(replay.stats().tileRequests - before, 2 + 2);
    assert.deepEqual([second[0]!.failed, second[0]!.unchanged], [0, 3]);
    await h.close();
  });

  it('schedules with node-cron on start() and unschedules on stop()', async () => {
    const h = await open({ config: { schedule: '30 5 * * *', timezone: 'UTC' } });
    assert.equal(h.harvester.nextRun(), null);
    await h.harvester.start();
    const next = h.harvester.nextRun();
    assert.ok(next instanceof Date);
    assert.equal(next.getUTCHours(), 5);
    assert.equal(next.getUTCMinutes(), 30);
    assert.ok(next.getTime() > Date.now() && next.getTime() - Date.now() <= 86_400_000);
    await h.harvester.stop();
    assert.equal(h.harvester.nextRun(), null);
    await h.close();
  });

  it('refuses bad configuration when it is created', async () => {
    const h = await open();
    const deps = { bus: h.bus, blobs: h.blobs, gibs: h.gibs, ledger: h.ledger, log: silentLogger() };
    const base = { schedule: '0 6 * * *', lagDays: 1, timezone: 'UTC', jobs: [] };
    assert.throws(
      () => createHarvester(deps, { ...base, schedule: '61 * * * *' }),
      (e: unknown) => e instanceof ValidationError && /61 \* \* \* \*/.test(e.message),
    );
    assert.throws(
      () => createHarvester(deps, { ...base, timezone: 'Mars/Olympus' }),
      (e: unknown) => e instanceof ValidationError && /Mars\/Olympus/.test(e.message),
    );
    assert.throws(
      () => createHarvester(deps, { ...base, concurrency: 64 }),
      (e: unknown) => e instanceof ValidationError && /64/.test(e.message) && /32/.test(e.message),
    );
    assert.throws(() => createHarvester(deps, { ...base, lagDays: -1 }), ValidationError);
    assert.throws(
      () => createHarvester(deps, { ...base, jobs: [{ layer: MODIS, levels: [] }] }),
      (e: unknown) => e instanceof ValidationError && /jobs\[0\]\.levels/.test(e.message),
    );
    assert.throws(
      () => createHarvester(deps, { ...base, jobs: [{ layer: MODIS, levels: [1], bbox: [0, 0, 0, 10] }] }),
      ValidationError,
    );
    await h.close();
  });
});
