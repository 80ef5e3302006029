import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../../../shared/errors/index.js';
import { checkTorch, torchErrorCodes } from '../../../../services/trainer/torch-backend/index.js';

describe('checkTorch', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'check-torch-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reports Debian's torch under /usr/bin/python3", async () => {
    const info = await checkTorch('/usr/bin/python3');
    assert.match(info.torch, /^\d+\.\d+/);
    assert.equal(typeof info.cuda, 'boolean');
    assert.match(info.python, /^3\.\d+/);
  });

  it('names the Python that cannot be started', async () => {
    const bogus = path.join(dir, 'no-such-python3');
    await assert.rejects(
      checkTorch(bogus),
      (e: unknown) =>
        e instanceof AppError && e.code === torchErrorCodes.pythonMissing && e.message.includes(bogus) && !e.retriable,
    );
  });

  it('says what to install when the Python has no torch', async () => {
    // the same interpreter without site-packages (-S): Debian's torch lives in dist-packages, so it is gone
    const noTorch = path.join(dir, 'python-without-torch');
    await writeFile(noTorch, '#!/bin/sh\nexec /usr/bin/python3 -S "$@"\n');
    await chmod(noTorch, 0o755);
    await assert.rejects(
      checkTorch(noTorch),
      (e: unknown) =>
        e instanceof AppError &&
        e.code === torchErrorCodes.torchMissing &&
        e.message.includes(noTorch) &&
        e.message.includes('apt-get install python3-torch'),
    );
  });

  it('refuses a file that is no Python', async () => {
    const notPython = path.join(dir, 'not-python');
    await writeFile(notPython, '#!/bin/sh\nexit 7\n');
    await chmod(notPython, 0o755);
    await assert.rejects(
      checkTorch(notPython),
      (e: unknown) => e instanceof AppError && e.code === torchErrorCodes.pythonMissing && /exit 7/.test(e.message),
    );
  });
});
