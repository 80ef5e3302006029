import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TopicPayload } from '../../shared/bus/index.js';
import { tileUrl } from '../../shared/gibs/index.js';
import { tilesCovering, type Bbox } from '../../shared/tiles/index.js';
import { startReplayServer, type ReplayServer } from '../../services/replay/index.js';
import type { HarvestRequest } from '../../services/harvester/index.js';
import { openHarness, readFetched, removeDir, sharedCapabilities } from '../support/harvester-harness.js';
import { kit } from '../support/data-kit.js';

/**
 * End to end against the GIBS replay server on loopback (real tiles and real-mosaic pyramids), with the
 * real SqliteBus, FsBlobStore and ledger: exactly one message per non-blank tile, the same bytes in the
 * tile store, nothing new on a second run, and exactly-once delivery through injected 503s, 429s and resets.
 */
const dataDir = kit();
const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const mosaicDay: HarvestRequest = { layer: MODIS, from: '2020-09-27', to: '2020-09-27', levels: [0, 1, 2] };
const blizzardBbox: Bbox = [-89, 28, -64, 44];
const blizzardDay: HarvestRequest = {
  layer: MODIS,
  from: '2016-01-24',
  to: '2016-01-24',
  levels: [5],
  bbox: blizzardBbox,
};
// Retry-After: 1 must be honoured, so the cap of the (otherwise fast) policy is one second.
const testRetry = { retries: 10, initialMs: 10, maxMs: 1000, factor: 2, jitter: 0.5 };

const tileId = (t: { date: string | null; z: number; row: number; col: number }) =>
  `${t.date}/${t.z}/${t.row}/${t.col}`;

/** The non-blank tiles the replay has for a request, from its catalog (independent of the harvester). */
function expectedTiles(server: ReplayServer, request: HarvestRequest): string[] {
  const wanted = new Set(
    request.levels.flatMap((z) =>
      tilesCovering(request.bbox ?? [-180, -90, 180, 90], z).map((t) => `${request.from}/${t.z}/${t.row}/${t.col}`),
    ),
  );
  return server.catalog
    .tiles()
    .filter((t) => t.layer === request.layer && t.tms === '250m')
    .map(tileId)
    .filter((id) => wanted.has(id))
    .sort();
}

async function assertSameBytes(
  server: ReplayServer,
  blobs: { get(key: string): Promise<Uint8Array | undefined> },
  messages: TopicPayload<'tiles.fetched'>[],
): Promise<void> {
  for (const m of messages) {
    const url = tileUrl(server.url, {
      layer: m.layer,
      date: m.date,
      tms: m.tms,
      z: m.z,
      row: m.row,
      col: m.col,
      ext: 'jpg',
    });
    const served = Buffer.from(await (await fetch(url)).arrayBuffer());
    const stored = await blobs.get(m.blob_key);
    assert.ok(stored, `blob ${m.blob_key}`);
    assert.ok(Buffer.from(stored).equals(served), `stored bytes of ${m.blob_key} differ from what the server serves`);
    assert.equal(m.bytes, served.length);
  }
}

describe('e2e: harvest from the GIBS replay server', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await removeDir(dir);
  });

  // Fault-free: harvested from in the first test, and the reference for "same bytes" in both.
  let clean: ReplayServer;
  before(async () => {
    clean = await startReplayServer({ dataDir, port: 0 });
  });
  after(async () => {
    await clean.close();
  });

  describe('clean server', () => {
    let server: ReplayServer;
    let caps: ReturnType<typeof sharedCapabilities>;
    before(() => {
      server = clean;
      caps = sharedCapabilities(server.url);
    });
    after(async () => {
      await caps.close();
    });

    it('puts exactly one message per non-blank tile on the bus and the same bytes in the tile store; a second run adds none', async () => {
      const h = await openHarness(server.url, { capabilities: caps.cache, gibs: { retry: testRetry } });
      dirs.push(h.dir);
      const expected = [...expectedTiles(server, mosaicDay), ...expectedTiles(server, blizzardDay)].sort();
      assert.equal(expected.length, 23 + 2, 'the replay catalog has 23 mosaic tiles and 2 real tiles here');

      const mosaic = await h.harvester.harvest(mosaicDay);
      const blizzard = await h.harvester.harvest(blizzardDay);
      assert.deepEqual([mosaic.tiles, mosaic.fetched, mosaic.blank, mosaic.failed], [23, 23, 0, 0]);
      assert.deepEqual([blizzard.tiles, blizzard.fetched, blizzard.blank, blizzard.failed], [6, 2, 4, 0]);

      const messages = await readFetched(h.bus);
      assert.deepEqual(messages.map(tileId).sort(), expected, 'one message per non-blank tile, no more');
      assert.equal(new Set(messages.map((m) => m.id)).size, messages.length);
      await assertSameBytes(server, h.blobs, messages);
      let stored = 0;
      for await (const key of h.blobs.list('tiles/')) stored += key ? 1 : 0;
      assert.equal(stored, expected.length);

      const statsBefore = server.stats();
      const again = [await h.harvester.harvest(mosaicDay), await h.harvester.harvest(blizzardDay)];
      for (const s of again) assert.deepEqual([s.fetched, s.blank, s.failed, s.unchanged], [0, 0, 0, s.tiles]);
      assert.equal(server.stats().notModified - statsBefore.notModified, 23 + 6, 'the second run was all 304s');
      assert.equal((await readFetched(h.bus)).length, expected.length);
      await h.close();
    });
  });

  describe('faulty server: 20% 500/503, 429s with Retry-After 1, resets, truncated bodies', () => {
    let server: ReplayServer;
    let caps: ReturnType<typeof sharedCapabilities>;
    before(async () => {
      server = await startReplayServer({
        dataDir,
        port: 0,
        seed: 7,
        faults: { errorRate: 0.2, rateLimitRate: 0.06, retryAfterSeconds: 1, resetRate: 0.06, truncateRate: 0.04 },
      });
      caps = sharedCapabilities(server.url);
    });
    after(async () => {
      await caps.close();
      await server.close();
    });

    it('still delivers every tile exactly once, and a second run adds none', async (t) => {
      const h = await openHarness(server.url, { capabilities: caps.cache, gibs: { retry: testRetry } });
      dirs.push(h.dir);
      const expected = [...expectedTiles(server, mosaicDay), ...expectedTiles(server, blizzardDay)].sort();
      const runs = [await h.harvester.harvest(mosaicDay), await h.harvester.harvest(blizzardDay)];
      for (const r of runs) assert.deepEqual([r.failed, r.failures], [0, []]);
      const stats = server.stats();
      assert.ok(
        stats.faultsByKind.error503 > 0 && stats.faultsByKind.rateLimit > 0 && stats.faultsByKind.reset > 0,
        `faults injected: ${JSON.stringify(stats.faultsByKind)}`,
      );
      t.diagnostic(`tile requests ${stats.requests}, faults ${JSON.stringify(stats.faultsByKind)}`);

      const messages = await readFetched(h.bus);
      assert.deepEqual(messages.map(tileId).sort(), expected);
      assert.equal(new Set(messages.map((m) => m.id)).size, expected.length, 'no tile twice');
      await assertSameBytes(clean, h.blobs, messages);
      const metrics = await h.registry.metrics();
      assert.match(metrics, /gibs_embed_harvester_request_retries_total\{code="RATE_LIMITED"\} [1-9]/);
      assert.match(metrics, /gibs_embed_harvester_request_retries_total\{code="UPSTREAM_UNAVAILABLE"\} [1-9]/);

      const again = [await h.harvester.harvest(mosaicDay), await h.harvester.harvest(blizzardDay)];
      for (const s of again) assert.deepEqual([s.fetched, s.failed], [0, 0]);
      assert.equal((await readFetched(h.bus)).length, expected.length);
      await h.close();
    });
  });
});
