import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { tileKey } from '../../../shared/tiles/index.js';
import type { HarvestRequest } from '../../../services/harvester/index.js';
import { openHarvestLedger } from '../../../services/harvester/harvest-ledger.js';
import { startReplayServer, type ReplayServer } from '../../../services/replay/index.js';
import {
  openHarness,
  readFetched,
  removeDir,
  sharedCapabilities,
  type Harness,
} from '../../support/harvester-harness.js';
import { kit } from '../../support/data-kit.js';

/**
 * Two harvests of one data directory at once (the scheduled run and a manual backfill, or two identical
 * runs): each on its own SQLite connections to the same bus and ledger files, as two processes would be.
 * Per-tile claims in the ledger keep them off each other's tiles; neither waits for the other to finish.
 */
const dataDir = kit();
const MARBLE = 'BlueMarble_ShadedRelief_Bathymetry';
const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const marbleZ3: HarvestRequest = { layer: MARBLE, from: '2016-01-24', to: '2016-01-24', levels: [3] }; // 50 tiles, none blank
const modisMosaic: HarvestRequest = { layer: MODIS, from: '2020-09-27', to: '2020-09-27', levels: [0, 1, 2] }; // 23 tiles

describe('harvester: overlapping harvests of one data directory', () => {
  let replay: ReplayServer;
  let caps: ReturnType<typeof sharedCapabilities>;
  const dirs: string[] = [];
  before(async () => {
    // a little latency, so the two harvests really are in flight together
    replay = await startReplayServer({ dataDir, faults: { latencyMs: 5 } });
    caps = sharedCapabilities(replay.url);
  });
  after(async () => {
    await caps.close();
    await replay.close();
    for (const dir of dirs) await removeDir(dir);
  });

  const pair = async (): Promise<[Harness, Harness]> => {
    const a = await openHarness(replay.url, { capabilities: caps.cache });
    dirs.push(a.dir);
    const b = await openHarness(replay.url, { capabilities: caps.cache, dir: a.dir });
    return [a, b];
  };

  it('two identical harvests started together put every tile on the bus exactly once', async () => {
    const [a, b] = await pair();
    try {
      const requestsBefore = replay.stats().tileRequests;
      const [first, second] = await Promise.all([a.harvester.harvest(marbleZ3), b.harvester.harvest(marbleZ3)]);
      const messages = await readFetched(a.bus);
      assert.equal(messages.length, 50, `${messages.length} messages for 50 tiles`);
      assert.equal(new Set(messages.map((m) => m.id)).size, 50);
      assert.equal(first.fetched + second.fetched, 50, 'each tile fetched by one of them');
      for (const s of [first, second]) {
        assert.deepEqual([s.failed, s.interrupted, s.fetched + s.unchanged], [0, false, 50]);
      }
      assert.ok(first.fetched > 0 && second.fetched > 0, `both made progress: ${first.fetched} + ${second.fetched}`);
      // a tile the other harvest fetched costs at most one conditional request (answered 304)
      assert.ok(replay.stats().tileRequests - requestsBefore <= 100);
      assert.deepEqual(await a.ledger.counts(), { produced: 50, blank: 0, failed: 0 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a backfill and a different harvest overlapping it both progress, and neither repeats the other', async () => {
    const [a, b] = await pair();
    try {
      const both: HarvestRequest = { ...modisMosaic, levels: [1, 2] };
      const [wide, narrow] = await Promise.all([a.harvester.harvest(modisMosaic), b.harvester.harvest(both)]);
      const messages = await readFetched(a.bus);
      assert.equal(messages.length, 23);
      assert.equal(new Set(messages.map((m) => m.id)).size, 23);
      assert.equal(wide.fetched + narrow.fetched, 23);
      assert.deepEqual([wide.failed, narrow.failed], [0, 0]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('takes over tiles claimed by a process that died, without waiting for the claims to expire', async () => {
    const h = await openHarness(replay.url, { capabilities: caps.cache });
    dirs.push(h.dir);
    try {
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      assert.ok(dead > 0);
      const other = await openHarvestLedger({ path: path.join(h.dir, 'harvester.db') });
      const owner = { id: `${os.hostname()}/${dead}/crashed`, pid: dead, host: os.hostname() };
      for (let col = 0; col < 10; col++)
        assert.equal(await other.claim(tileKey(MARBLE, '2016-01-24', '500m', 3, 0, col), owner), true);
      await other.close();
      const started = Date.now();
      const run = await h.harvester.harvest(marbleZ3);
      assert.deepEqual([run.fetched, run.failed, run.interrupted], [50, 0, false]);
      assert.ok(Date.now() - started < 20_000);
      assert.equal((await readFetched(h.bus)).length, 50);
    } finally {
      await h.close();
    }
  });
});
