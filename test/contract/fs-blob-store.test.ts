import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError, ValidationError } from '../../shared/errors/index.js';
import { createBlobStore, FsBlobStore, blobErrorCodes } from '../../shared/blob/index.js';
import { blobStoreContract } from './blob-store.contract.js';
import { kit } from '../support/data-kit.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fs-blob-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

blobStoreContract('fs', async () => new FsBlobStore({ root: await tempDir() }));
blobStoreContract('fs via createBlobStore, fsync off', async () =>
  createBlobStore({ kind: 'fs', root: await tempDir(), fsync: false }),
);

describe('FsBlobStore specifics', () => {
  it('puts the object at {root}/{key} and leaves no temp files', async () => {
    const root = await tempDir();
    const store = new FsBlobStore({ root });
    const bytes = await readFile(kit('gibs/blank/Blank_RGB_512.jpg'));
    await store.put('tiles/x/1.jpg', bytes);
    assert.deepEqual(await readFile(path.join(root, 'tiles/x/1.jpg')), bytes);
    assert.deepEqual(await readdir(path.join(root, 'tiles/x')), ['1.jpg']);
  });

  it('ignores stray temp files and sees files written by other tools', async () => {
    const root = await tempDir();
    await mkdir(path.join(root, 'd'), { recursive: true });
    await writeFile(path.join(root, 'd', '.tmp-123-abc'), 'partial');
    await writeFile(path.join(root, 'd', 'real'), 'whole');
    const store = new FsBlobStore({ root });
    const keys: string[] = [];
    for await (const key of store.list('')) keys.push(key);
    assert.deepEqual(keys, ['d/real']);
    assert.equal(Buffer.from((await store.get('d/real'))!).toString(), 'whole');
  });

  it('reports a put under an existing file as a non-retriable BLOB_IO error and keeps the old bytes', async () => {
    const root = await tempDir();
    const store = new FsBlobStore({ root });
    await store.put('f', new Uint8Array([7]));
    await assert.rejects(
      store.put('f/child', new Uint8Array([8])),
      (e: unknown) => e instanceof AppError && e.code === blobErrorCodes.io && !e.retriable && e.cause !== undefined,
    );
    assert.deepEqual(Buffer.from((await store.get('f'))!), Buffer.from([7]));
    assert.equal(await store.get('f/child'), undefined);
    assert.deepEqual(await readdir(root), ['f']);
  });

  it('refuses an unknown backend kind or an empty root', () => {
    assert.throws(
      () => createBlobStore({ kind: 's3' } as unknown as { kind: 'fs'; root: string }),
      (e: unknown) => e instanceof ValidationError && /s3/.test(e.message) && /fs/.test(e.message),
    );
    assert.throws(() => createBlobStore({ kind: 'fs', root: '' }), ValidationError);
  });
});
