import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { AppError } from '../../../shared/errors/index.js';
import { storeErrorCodes } from '../../../shared/store/index.js';
import { lanceErrno, mapLanceError } from '../../../shared/store/lancedb/lance-op.js';
import { LanceVectorStore } from '../../../shared/store/lancedb/lance-vector-store.js';
import { tilePoints } from '../../support/vector-store-data.js';

// The shape LanceDB 0.31 gives a disk-full failure (captured from a real one on a 2 MiB tmpfs)
const enospc = Object.assign(
  new Error(
    'Failed to execute merge insert: GenericFailure, lance error: LanceError(IO): No space left on device (os error 28), writer.rs:319:9',
  ),
  { code: 'GenericFailure' },
);

describe('mapLanceError', () => {
  it('reads the errno LanceDB puts in its failure and makes transient ones retriable STORE_IO', () => {
    assert.equal(lanceErrno(enospc), 'ENOSPC');
    const error = mapLanceError(enospc, 'upsert');
    assert.equal(error.code, storeErrorCodes.io);
    assert.equal(error.retriable, true);
    assert.equal(error.cause, enospc);
    const eio = mapLanceError(new Error('LanceError(IO): Input/output error (os error 5)'), 'search');
    assert.deepEqual([eio.code, eio.retriable], [storeErrorCodes.io, true]);
    const eacces = mapLanceError(new Error('LanceError(IO): Permission denied (os error 13)'), 'search');
    assert.deepEqual([eacces.code, eacces.retriable], [storeErrorCodes.io, false]);
  });

  it('takes a Node errno as it is, passes AppErrors through, and makes anything else STORE_FAILED, not retriable', () => {
    const full = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
    assert.deepEqual([mapLanceError(full, 'x').code, mapLanceError(full, 'x').retriable], [storeErrorCodes.io, true]);
    const own = new AppError(storeErrorCodes.unavailable, 'busy', { retriable: true });
    assert.equal(mapLanceError(own, 'x'), own);
    const odd = mapLanceError(new Error('lance error: Invalid user input: Schema error'), 'search');
    assert.deepEqual([odd.code, odd.retriable], [storeErrorCodes.failed, false]);
    assert.equal(mapLanceError('a string', 'x').code, storeErrorCodes.failed);
  });
});

/** A tiny tmpfs, where this machine lets the test mount one (root in a container that allows it). */
function mountTinyFs(dir: string): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // no privilege to mount here: the test reports itself skipped
  }
}

describe('LanceVectorStore on a full disk', () => {
  const dirs: string[] = [];
  const mounts: string[] = [];
  after(async () => {
    for (const dir of mounts) execFileSync('umount', [dir]);
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('fails the upsert with retriable STORE_IO and writes nothing', async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'lance-full-'));
    dirs.push(dir);
    if (!mountTinyFs(dir)) {
      t.skip('cannot mount a small tmpfs here (needs root and mount privilege)');
      return;
    }
    mounts.push(dir);
    const store = await LanceVectorStore.open({
      path: path.join(dir, 'store'),
      exactBelowSelectivity: 0.05,
      indexMinRows: 1_000_000,
      maintenanceIntervalMs: 600_000,
    });
    try {
      await store.ensureCollection('c', 256);
      const error = await store.upsert('c', tilePoints(1, 3000, 256)).then(
        () => assert.fail('3000 x 256 floats do not fit in 2 MiB'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof AppError);
      assert.deepEqual([error.code, error.retriable], [storeErrorCodes.io, true]);
      assert.equal(await store.count('c'), 0);
      await store.upsert('c', tilePoints(2, 5, 256));
      assert.equal(await store.count('c'), 5, 'small writes go on once space allows');
    } finally {
      await store.close();
    }
  });
});
