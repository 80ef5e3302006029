import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { AppError } from '../../../shared/errors/index.js';
import { storeErrorCodes } from '../../../shared/store/index.js';
import { AliasCatalog, ALIAS_FILE } from '../../../shared/store/lancedb/alias-catalog.js';
import { WriterLock } from '../../../shared/store/lancedb/writer-lock.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lance-lock-'));
  dirs.push(dir);
  return dir;
}

describe('WriterLock', () => {
  it('lets one holder in at a time across connections, and times out the other as retriable STORE_UNAVAILABLE', async () => {
    const file = path.join(await tempDir(), 'store.lock.db');
    const a = new WriterLock(file, 1000);
    const b = new WriterLock(file, 150);
    a.open();
    b.open();
    let release!: () => void;
    const held = a.run('a', () => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = Date.now();
    const error = await b.run('b', async () => 'ran').catch((e: unknown) => e);
    assert.ok(error instanceof AppError);
    assert.deepEqual([error.code, error.retriable], [storeErrorCodes.unavailable, true]);
    assert.ok(Date.now() - started >= 140, 'waited for its timeout');
    assert.equal(await b.tryRun('b', async () => 'ran'), undefined, 'tryRun does not wait');
    release();
    await held;
    assert.equal(await b.run('b', async () => 'ran'), 'ran');
    assert.equal(await b.tryRun('b', async () => 'ran'), 'ran');
    await a.close();
    await b.close();
    await assert.rejects(
      a.run('a', async () => 1),
      (e: unknown) => e instanceof AppError && e.code === storeErrorCodes.closed,
    );
  });

  it('serialises this process’s writers in call order and survives a failing one', async () => {
    const lock = new WriterLock(path.join(await tempDir(), 'store.lock.db'), 1000);
    lock.open();
    const order: number[] = [];
    const runs = [1, 2, 3].map((n) =>
      lock.run(`w${n}`, async () => {
        order.push(n);
        await new Promise((resolve) => setTimeout(resolve, 10));
        if (n === 2) throw new Error('boom');
        order.push(-n);
      }),
    );
    const results = await Promise.allSettled(runs);
    assert.deepEqual(order, [1, -1, 2, 3, -3]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    await lock.close();
  });
});

describe('AliasCatalog', () => {
  it('round-trips aliases, reads a missing file as none, refuses a corrupt one as STORE_CORRUPT', async () => {
    const dir = await tempDir();
    const catalog = new AliasCatalog(dir);
    assert.deepEqual(await catalog.read(), {});
    await catalog.write({ tiles: 'tiles_a' });
    await catalog.write({ tiles: 'tiles_b', other: 'tiles_a' });
    assert.deepEqual(await catalog.read(), { tiles: 'tiles_b', other: 'tiles_a' });
    for (const text of ['{"version":1,', '{"version":2,"aliases":{}}', '{"version":1,"aliases":{"a":3}}']) {
      await writeFile(path.join(dir, ALIAS_FILE), text);
      await assert.rejects(catalog.read(), (e: unknown) => e instanceof AppError && e.code === storeErrorCodes.corrupt);
    }
  });
});
