import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../../shared/errors/index.js';
import { listImageFiles, listImages, imageErrorCodes } from '../../../../shared/model/image/index.js';
import { kit } from '../../../support/data-kit.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'list-images-'));
  await mkdir(path.join(dir, 'b', 'deeper'), { recursive: true });
  for (const name of ['A.JPG', 'b/c.Png', 'b/deeper/d.jpeg', 'notes.txt', 'b/e.jpg.tmp', 'b/f.xml'])
    await writeFile(path.join(dir, name), 'x');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('listImages', () => {
  it('finds JPEG/PNG by extension in any case, recursively, sorted, with relative paths', async () => {
    const files = await listImageFiles(dir);
    assert.deepEqual(
      files.map((f) => f.relative),
      ['A.JPG', 'b/c.Png', 'b/deeper/d.jpeg'],
    );
    assert.deepEqual(
      await listImages(dir),
      files.map((f) => path.join(dir, f.relative)),
    );
  });

  it('lists the real kit: 341 Blue Marble tiles; the GIBS folder without its XML documents', async () => {
    const marble = await listImageFiles(kit('bluemarble'));
    assert.equal(marble.length, 341);
    assert.equal(marble[0].relative, '0/0/0.jpg');
    const gibs = await listImageFiles(kit('gibs'));
    assert.equal(gibs.length, 2 + 4 + 3 + 8 + 2 + 12);
    assert.ok(gibs.some((f) => f.relative.endsWith('.jpeg')));
    assert.ok(gibs.every((f) => /\.(jpe?g|png)$/i.test(f.relative)));
  });

  it('a missing directory is a clear, non-retriable error', async () => {
    await assert.rejects(
      listImages(path.join(dir, 'nope')),
      (e: unknown) =>
        e instanceof AppError && e.code === imageErrorCodes.dirUnreadable && !e.retriable && /nope/.test(e.message),
    );
  });
});
