import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, checkDataDir } from '../../../shared/config/index.js';

const names = (dir: string) => (e: unknown) =>
  e instanceof ConfigError &&
  e.message.includes('GIBS_EMBED_DATA_DIR') &&
  e.message.includes('--data-dir') &&
  e.message.includes(dir);

describe('checkDataDir', () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'data-dir-'));
  });
  after(async () => {
    await chmod(path.join(tmp, 'locked'), 0o755).catch(() => undefined);
    await rm(tmp, { recursive: true, force: true });
  });

  it('accepts an existing writable directory and a creatable one (nothing is created)', async () => {
    checkDataDir(tmp);
    checkDataDir(path.join(tmp, 'not/yet/there'));
    await assert.rejects(
      import('node:fs/promises').then((fs) => fs.stat(path.join(tmp, 'not'))),
      { code: 'ENOENT' },
    );
  });

  it('refuses a regular file, and a path below one, naming the setting and the path', async () => {
    const file = path.join(tmp, 'a-file');
    await writeFile(file, 'x');
    assert.throws(
      () => checkDataDir(file),
      (e: unknown) => names(file)(e) && /is not a directory/.test((e as Error).message),
    );
    assert.throws(
      () => checkDataDir(path.join(file, 'data')),
      (e: unknown) => names(path.join(file, 'data'))(e) && /a-file is not a directory/.test((e as Error).message),
    );
  });

  it('refuses a path under /proc or /sys at once (recursive mkdir would spin there forever)', { timeout: 5000 }, () => {
    assert.throws(
      () => checkDataDir('/proc/gibs-embed/data'),
      (e: unknown) => names('/proc/gibs-embed/data')(e) && /pseudo-filesystem/.test((e as Error).message),
    );
    assert.throws(() => checkDataDir('/proc/self'), names('/proc/self'));
    assert.throws(() => checkDataDir('/sys/gibs-embed'), names('/sys/gibs-embed'));
  });

  it(
    'refuses a directory it cannot write',
    { skip: process.getuid?.() === 0 ? 'root writes anywhere: the permission check cannot fail here' : false },
    async () => {
      const locked = path.join(tmp, 'locked');
      await mkdir(locked);
      await chmod(locked, 0o555);
      assert.throws(
        () => checkDataDir(path.join(locked, 'data')),
        (e: unknown) => names(path.join(locked, 'data'))(e) && /not writable/.test((e as Error).message),
      );
    },
  );
});
