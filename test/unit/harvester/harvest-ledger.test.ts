import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { AppError, errorCodes } from '../../../shared/errors/index.js';
import { openHarvestLedger, harvesterErrorCodes } from '../../../services/harvester/index.js';

const dirs: string[] = [];
async function tempFile(name = 'harvester.db'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-'));
  dirs.push(dir);
  return path.join(dir, 'nested', name);
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const sha = 'a'.repeat(64);

describe('SqliteHarvestLedger', () => {
  it('records produced and blank tiles and reads them back after reopening', async () => {
    const file = await tempFile();
    const ledger = await openHarvestLedger({ path: file });
    assert.equal(await ledger.get('L/2020-01-01/250m/0/0/0'), undefined);
    await ledger.record([
      {
        key: 'L/2020-01-01/250m/0/0/0',
        status: 'produced',
        etag: '"e1"',
        sha256: sha,
        blobKey: 'tiles/L/2020-01-01/250m/0/0/0.jpg',
        bytes: 1234,
      },
      { key: 'L/2020-01-01/250m/0/0/1', status: 'blank', sha256: 'b'.repeat(64) },
    ]);
    await ledger.close();
    const again = await openHarvestLedger({ path: file });
    const produced = await again.get('L/2020-01-01/250m/0/0/0');
    assert.equal(produced?.status, 'produced');
    assert.equal(produced?.etag, '"e1"');
    assert.equal(produced?.sha256, sha);
    assert.equal(produced?.blobKey, 'tiles/L/2020-01-01/250m/0/0/0.jpg');
    assert.equal(produced?.bytes, 1234);
    assert.ok(!Number.isNaN(Date.parse(produced!.updatedAt)));
    const blank = await again.get('L/2020-01-01/250m/0/0/1');
    assert.equal(blank?.status, 'blank');
    assert.equal(blank?.etag, undefined);
    await again.close();
  });

  it('notes a failure on a produced tile without forgetting that it was produced', async () => {
    const ledger = await openHarvestLedger({ path: await tempFile() });
    await ledger.record([{ key: 'k', status: 'produced', etag: '"e"', sha256: sha, blobKey: 'tiles/k.jpg', bytes: 5 }]);
    await ledger.record([{ key: 'k', status: 'failed', code: 'UPSTREAM_UNAVAILABLE', reason: '503' }]);
    const entry = await ledger.get('k');
    assert.equal(entry?.status, 'produced');
    assert.equal(entry?.sha256, sha);
    assert.equal(entry?.code, 'UPSTREAM_UNAVAILABLE');
    // a later success clears the error
    await ledger.record([{ key: 'k', status: 'produced', etag: '"f"', sha256: sha, blobKey: 'tiles/k.jpg', bytes: 5 }]);
    assert.equal((await ledger.get('k'))?.code, undefined);
    assert.equal((await ledger.get('k'))?.etag, '"f"');
    await ledger.close();
  });

  it('marks a never-successful tile failed, and a success replaces it', async () => {
    const ledger = await openHarvestLedger({ path: await tempFile() });
    await ledger.record([{ key: 'x', status: 'failed', code: errorCodes.undecodable, reason: 'bad bytes' }]);
    assert.deepEqual(await ledger.counts(), { produced: 0, blank: 0, failed: 1 });
    await ledger.record([{ key: 'x', status: 'blank', sha256: sha }]);
    assert.deepEqual(await ledger.counts(), { produced: 0, blank: 1, failed: 0 });
    await ledger.close();
  });

  it('counts by key prefix literally (underscores are not wildcards)', async () => {
    const ledger = await openHarvestLedger({ path: await tempFile() });
    await ledger.record([
      { key: 'A_B/2020-01-01/t/0/0/0', status: 'blank', sha256: sha },
      { key: 'A_B/2020-01-02/t/0/0/0', status: 'blank', sha256: sha },
      { key: 'AxB/2020-01-01/t/0/0/0', status: 'blank', sha256: sha },
    ]);
    assert.equal((await ledger.counts('A_B/')).blank, 2);
    assert.equal((await ledger.counts('A_B/2020-01-01/')).blank, 1);
    assert.equal((await ledger.counts()).blank, 3);
    await ledger.close();
  });

  it('writes a batch all or nothing', async () => {
    const ledger = await openHarvestLedger({ path: await tempFile() });
    const bad = { key: 'b', status: 'produced', sha256: sha, blobKey: null, bytes: 1 } as unknown as Parameters<
      typeof ledger.record
    >[0][number];
    await assert.rejects(ledger.record([{ key: 'a', status: 'blank', sha256: sha }, bad]), AppError);
    assert.equal(await ledger.get('a'), undefined);
    await ledger.close();
  });

  it('refuses a file that is not a database, and use after close', async () => {
    const file = await tempFile();
    const ledger = await openHarvestLedger({ path: file });
    await ledger.close();
    await assert.rejects(
      ledger.get('k'),
      (e: unknown) => e instanceof AppError && e.code === harvesterErrorCodes.ledgerClosed,
    );
    const junk = await tempFile('junk.db');
    await openHarvestLedger({ path: path.join(path.dirname(junk), 'mk.db') }).then((l) => l.close());
    await writeFile(junk, 'this is not sqlite '.repeat(100));
    await assert.rejects(
      openHarvestLedger({ path: junk }),
      (e: unknown) => e instanceof AppError && e.code === harvesterErrorCodes.ledgerIo && !e.retriable,
    );
  });
});

describe('SqliteHarvestLedger claims', () => {
  const host = os.hostname();
  const me = { id: `${host}/${process.pid}/a`, pid: process.pid, host };
  const other = { id: `${host}/${process.pid}/b`, pid: process.pid, host };

  it('gives a tile to one live owner at a time, across connections; release frees it for the next', async () => {
    const file = await tempFile();
    const a = await openHarvestLedger({ path: file });
    const b = await openHarvestLedger({ path: file });
    assert.equal(await a.claim('k', me), true);
    assert.equal(await a.claim('k', me), true, 'an owner may take its own claim again');
    assert.equal(await b.claim('k', other), false);
    await b.release(other, 'k'); // not its claim: nothing happens
    assert.equal(await b.claim('k', other), false);
    await a.release(me, 'k');
    assert.equal(await b.claim('k', other), true);
    assert.equal(await b.claim('k2', other), true);
    await b.release(other);
    assert.deepEqual([await a.claim('k', me), await a.claim('k2', me)], [true, true]);
    await a.close();
    await b.close();
  });

  it('frees a claim whose lease ran out unrenewed, and keeps one that is renewed', async () => {
    const file = await tempFile();
    const a = await openHarvestLedger({ path: file, claimLeaseMs: 1000 });
    const b = await openHarvestLedger({ path: file, claimLeaseMs: 1000 });
    assert.equal(await a.claim('renewed', me), true);
    assert.equal(await a.claim('lapsed', me), true);
    await new Promise((r) => setTimeout(r, 600));
    await a.renewClaims(me); // extends both by a full lease
    await a.release(me, 'lapsed');
    assert.equal(await b.claim('lapsed', other), true);
    // 'lapsed' is now other's, and other never renews it
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await a.claim('lapsed', me), true, 'not renewed for a whole lease');
    await a.renewClaims(me);
    assert.equal(await b.claim('renewed', other), false, 'renewed a moment ago');
    await a.close();
    await b.close();
  });

  it('frees at once a claim whose owner process on this host is gone', async () => {
    const ledger = await openHarvestLedger({ path: await tempFile(), claimLeaseMs: 3_600_000 });
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const gone = { id: `${host}/${deadPid}/x`, pid: deadPid, host };
    assert.equal(await ledger.claim('k', gone), true);
    assert.equal(await ledger.claim('k', me), true, 'the dead owner does not block it');
    // the same pid on another host may be alive: only its lease can free it
    const remote = { id: `elsewhere/${deadPid}/y`, pid: deadPid, host: 'elsewhere.example' };
    assert.equal(await ledger.claim('r', remote), true);
    assert.equal(await ledger.claim('r', me), false);
    await ledger.close();
    await assert.rejects(
      openHarvestLedger({ path: await tempFile(), claimLeaseMs: 0 }),
      (e: unknown) => e instanceof AppError && e.code === harvesterErrorCodes.ledgerOptions,
    );
  });
});

describe('SqliteHarvestLedger intents', () => {
  const intent = (key: string, sha256 = sha) => ({
    key,
    pointId: `id-${key}`,
    sha256,
    etag: '"e"',
    blobKey: `tiles/${key}.jpg`,
    bytes: 10,
  });

  it('keeps intents until the produced row comes, and confirms only the ones still waiting with the same bytes', async () => {
    const ledger = await openHarvestLedger({ path: await tempFile() });
    await ledger.recordIntents([
      intent('L/d/t/0/0/0'),
      intent('L/d/t/0/0/1'),
      intent('L/d/t/0/0/2'),
      intent('M/d/t/0/0/0'),
    ]);
    assert.deepEqual(
      (await ledger.intents('L/')).map((i) => i.key),
      ['L/d/t/0/0/0', 'L/d/t/0/0/1', 'L/d/t/0/0/2'],
    );
    const [first] = await ledger.intents('L/d/t/0/0/0');
    assert.deepEqual({ ...first, createdAt: 0 }, { ...intent('L/d/t/0/0/0'), createdAt: 0 });
    assert.ok(Math.abs(first!.createdAt - Date.now()) < 5000);
    await ledger.record([{ key: 'L/d/t/0/0/0', status: 'produced', sha256: sha, blobKey: 'tiles/x.jpg', bytes: 10 }]);
    assert.equal((await ledger.intents('L/')).length, 2, 'a produced row clears its intent');
    const confirmed = await ledger.confirmIntents([
      { key: 'L/d/t/0/0/1', sha256: sha },
      { key: 'L/d/t/0/0/2', sha256: 'c'.repeat(64) }, // other bytes on the bus: not this intent's message
      { key: 'L/d/t/0/0/9', sha256: sha }, // no intent
    ]);
    assert.equal(confirmed, 1);
    const entry = await ledger.get('L/d/t/0/0/1');
    assert.deepEqual(
      [entry?.status, entry?.etag, entry?.blobKey, entry?.bytes],
      ['produced', '"e"', 'tiles/L/d/t/0/0/1.jpg', 10],
    );
    assert.deepEqual(
      (await ledger.intents('L/')).map((i) => i.key),
      ['L/d/t/0/0/2'],
    );
    await ledger.close();
  });

  it('upgrades a version-1 ledger in place, keeping its rows', async () => {
    const file = await tempFile();
    const v1 = await openHarvestLedger({ path: file });
    await v1.record([{ key: 'k', status: 'blank', sha256: sha }]);
    await v1.close();
    const raw = new Database(file);
    raw.exec('DROP TABLE harvest_claims; DROP TABLE harvest_intents');
    raw.pragma('user_version = 1');
    raw.close();
    const upgraded = await openHarvestLedger({ path: file });
    assert.equal((await upgraded.get('k'))?.status, 'blank');
    assert.equal(await upgraded.claim('k', { id: 'o', pid: process.pid, host: os.hostname() }), true);
    assert.deepEqual(await upgraded.intents(''), []);
    await upgraded.close();
  });
});
