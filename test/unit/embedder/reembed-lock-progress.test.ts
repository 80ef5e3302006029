import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/errors/index.js';
import { embedderErrorCodes, loadProgress, tryReembedLock } from '../../../services/embedder/index.js';
import { freshProgress, saveProgress } from '../../../services/embedder/reembed/reembed-progress.js';
import { repositoryRoot } from '../../support/data-kit.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'reembed-lock-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** a child process that takes the lock, says so, and holds it until killed */
function holdInChild(file: string) {
  const moduleUrl = new URL('../../../services/embedder/reembed/reembed-lock.ts', import.meta.url).href;
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import(${JSON.stringify(moduleUrl)}).then((m) => { const lock = m.tryReembedLock(${JSON.stringify(file)}); console.log(lock ? 'held' : 'busy'); setInterval(() => lock, 1000); })`,
    ],
    { cwd: repositoryRoot(), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const said = new Promise<string>((resolve) =>
    child.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, said, exited };
}

describe('re-embed lock', () => {
  it('one holder at a time in a process; free again once released', () => {
    const file = path.join(dir, 'a', 'lock.db');
    const first = tryReembedLock(file);
    assert.ok(first);
    assert.equal(tryReembedLock(file), undefined);
    first.release();
    first.release();
    const second = tryReembedLock(file);
    assert.ok(second);
    second.release();
  });

  it('across processes, and a holder killed with SIGKILL leaves no stale lock', async () => {
    const file = path.join(dir, 'b', 'lock.db');
    const holder = holdInChild(file);
    assert.equal(await holder.said, 'held');
    assert.equal(tryReembedLock(file), undefined, 'another process holds it');
    holder.child.kill('SIGKILL');
    await holder.exited;
    const mine = tryReembedLock(file);
    assert.ok(mine, 'the dead holder released it');
    const blocked = holdInChild(file);
    assert.equal(await blocked.said, 'busy');
    blocked.child.kill('SIGKILL');
    await blocked.exited;
    mine.release();
  });
});

describe('re-embed progress file', () => {
  it('round-trips, replaces atomically, and is absent before the first save', async () => {
    const file = path.join(dir, 'p', 'progress.json');
    assert.equal(await loadProgress(file), undefined);
    const progress = { ...freshProgress('ckpt-20260101000000-aaaaaaaaaaaa', 'tiles_x'), after: 'id-5', reembedded: 5 };
    await saveProgress(file, progress);
    assert.deepEqual(await loadProgress(file), progress);
    await saveProgress(file, { ...progress, after: 'id-9', reembedded: 9 });
    assert.equal((await loadProgress(file))?.after, 'id-9');
    assert.ok(JSON.parse(await readFile(file, 'utf8')).v === 1);
  });

  it('a file it did not write is refused with a clear error, not silently restarted', async () => {
    const file = path.join(dir, 'q', 'progress.json');
    await saveProgress(file, freshProgress('m', 's'));
    for (const text of ['{', '{"v":2}', '{"v":1,"model":"m"}']) {
      await writeFile(file, text);
      await assert.rejects(
        loadProgress(file),
        (e: unknown) =>
          e instanceof AppError && e.code === embedderErrorCodes.reembedProgressCorrupt && e.message.includes(file),
      );
    }
  });
});
