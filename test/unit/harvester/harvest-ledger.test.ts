import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/errors/index.js';
import { openHarvestLedger } from '../../../services/harvester/index.js';

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
      { key: 'L/2020-01-01/250m/0/0/0', status: 'produced', etag: '"e1"', sha256: sha, blobKey: 'tiles/L/2020-01-01/250m/0/0/0.jpg', bytes: 1234 },
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
    await ledger.record([{ key: 'x', status: 'failed', code: 'UNDECODABLE', reason: 'bad bytes' }]);
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
    const bad = { key: 'b', status: 'produced', sha256: sha, blobKey: null, bytes: 1 } as unknown as Parameters<typeof ledger.record>[0][number];
    await assert.rejects(ledger.record([{ key: 'a', status: 'blank', sha256: sha }, bad]), AppError);
    assert.equal(await ledger.get('a'), undefined);
    await ledger.close();
  });

  it('refuses a file that is not a database, and use after close', async () => {
    const file = await tempFile();
    const ledger = await openHarvestLedger({ path: file });
    await ledger.close();
    await assert.rejects(ledger.get('k'), (e: unknown) => e instanceof AppError && e.code === 'LEDGER_CLOSED');
    const junk = await tempFile('junk.db');
    await openHarvestLedger({ path: path.join(path.dirname(junk), 'mk.db') }).then((l) => l.close());
    await writeFile(junk, 'this is not sqlite '.repeat(100));
    await assert.rejects(openHarvestLedger({ path: junk }), (e: unknown) => e instanceof AppError && e.code === 'LEDGER_IO' && !e.retriable);
  });
});
