import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../../shared/errors/index.js';
import type {
  HarvestLedger,
  HarvestRequest,
  LedgerRecord,
  SqliteHarvestLedger,
} from '../../../services/harvester/index.js';
import type { ClaimOwner, IntentRecord } from '../../../services/harvester/harvest-ledger.js';
import { startReplayServer, type ReplayServer } from '../../../services/replay/index.js';
import { openHarness, readFetched, removeDir, sharedCapabilities } from '../../support/harvester-harness.js';
import { kit } from '../../support/data-kit.js';
import { harvesterErrorCodes } from '../../../services/harvester/index.js';

/**
 * The disk fills up between the bus write and the ledger write: the tiles are on the bus, the ledger cannot
 * say so. The summary must count them as fetched (they reached the bus), and the next harvest must not
 * produce them again. The bus, the tile store and the ledger file are real; only the ledger's 'produced'
 * writes are refused, as SQLite refuses them on a full disk (SQLITE_FULL: retriable, and retried).
 */
const dataDir = kit();
const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const mosaic: HarvestRequest = { layer: MODIS, from: '2020-09-27', to: '2020-09-27', levels: [0, 1, 2] }; // 23 tiles

/** The real ledger, except that writes of 'produced' rows fail while `full` is set. */
class FullDiskLedger implements HarvestLedger {
  full = true;
  refused = 0;
  constructor(private readonly real: SqliteHarvestLedger) {}
  get claimLeaseMs(): number {
    return this.real.claimLeaseMs;
  }
  get = (key: string) => this.real.get(key);
  counts = (prefix?: string) => this.real.counts(prefix);
  recordIntents = (intents: IntentRecord[]) => this.real.recordIntents(intents);
  intents = (prefix: string) => this.real.intents(prefix);
  confirmIntents = (found: Array<{ key: string; sha256: string }>) => this.real.confirmIntents(found);
  claim = (key: string, owner: ClaimOwner) => this.real.claim(key, owner);
  renewClaims = (owner: ClaimOwner) => this.real.renewClaims(owner);
  release = (owner: ClaimOwner, key?: string) => this.real.release(owner, key);
  close = () => this.real.close();
  async record(records: LedgerRecord[]): Promise<void> {
    if (this.full && records.some((r) => r.status === 'produced')) {
      this.refused++;
      const cause = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      throw new AppError(harvesterErrorCodes.ledgerIo, 'harvest ledger write failed: SQLITE_FULL', {
        retriable: true,
        cause,
      });
    }
    return this.real.record(records);
  }
}

describe('harvester: disk full between the bus write and the ledger write', () => {
  let replay: ReplayServer;
  let caps: ReturnType<typeof sharedCapabilities>;
  const dirs: string[] = [];
  before(async () => {
    replay = await startReplayServer({ dataDir });
    caps = sharedCapabilities(replay.url);
  });
  after(async () => {
    await caps.close();
    await replay.close();
    for (const dir of dirs) await removeDir(dir);
  });

  it('counts the tiles that reached the bus as fetched, and the next harvest does not produce them again', async () => {
    let wrapped: FullDiskLedger | undefined;
    const h = await openHarness(replay.url, {
      capabilities: caps.cache,
      wrapLedger: (l) => (wrapped = new FullDiskLedger(l)),
    });
    dirs.push(h.dir);
    try {
      const full = await h.harvester.harvest(mosaic);
      assert.ok(wrapped!.refused > 0, 'the ledger refused the produced rows');
      assert.deepEqual(
        [full.fetched, full.failed, full.failures],
        [23, 0, []],
        'every tile is on the bus, so none failed',
      );
      const onBus = await readFetched(h.bus);
      assert.equal(onBus.length, 23);
      assert.deepEqual(await h.ledger.counts(), { produced: 0, blank: 0, failed: 0 });

      wrapped!.full = false; // space freed
      const requestsBefore = replay.stats().tileRequests;
      const rerun = await h.harvester.harvest(mosaic);
      assert.deepEqual([rerun.fetched, rerun.unchanged, rerun.failed], [0, 23, 0]);
      const after = await readFetched(h.bus);
      assert.equal(after.length, 23, `${after.length - 23} tiles produced twice`);
      assert.equal(new Set(after.map((m) => m.id)).size, 23);
      assert.deepEqual(await h.ledger.counts(), { produced: 23, blank: 0, failed: 0 });
      assert.equal(
        replay.stats().notModified >= 23,
        true,
        'confirmed from the bus, the tiles were fetched conditionally',
      );
      assert.equal(replay.stats().tileRequests - requestsBefore, 23);
    } finally {
      await h.close();
    }
  });

  it('a bus write that fails leaves the tiles failed, and the next harvest produces them once', async () => {
    const h = await openHarness(replay.url, { capabilities: caps.cache });
    dirs.push(h.dir);
    const produce = h.bus.produce.bind(h.bus);
    try {
      let busDown = true;
      h.bus.produce = (topic, messages) =>
        busDown
          ? Promise.reject(new AppError('BUS_UNAVAILABLE', 'bus down', { retriable: true }))
          : produce(topic, messages);
      const down = await h.harvester.harvest(mosaic);
      assert.deepEqual([down.fetched, down.failed], [0, 23]);
      assert.equal((await readFetched(h.bus)).length, 0);
      busDown = false;
      const rerun = await h.harvester.harvest(mosaic);
      assert.deepEqual([rerun.fetched, rerun.failed], [23, 0]);
      assert.equal((await readFetched(h.bus)).length, 23);
      assert.deepEqual(await h.ledger.intents(`${MODIS}/`), [], 'no intent is left once the tiles are produced');
    } finally {
      h.bus.produce = produce;
      await h.close();
    }
  });
});
