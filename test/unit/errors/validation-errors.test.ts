import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, ValidationError, errorCodes } from '../../../shared/errors/index.js';
import { initBackend } from '../../../services/trainer/train/backend.js';
import { repositoryRoot } from '../../support/data-kit.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name));
}

describe('validation errors', () => {
  it('a ConfigError is a ValidationError with the declared CONFIG code', () => {
    const error = new ConfigError('gibs.concurrency=99: too big');
    assert.ok(error instanceof ValidationError);
    assert.equal(error.code, errorCodes.config);
    assert.equal(error.retriable, false);
    assert.equal(new ValidationError('x').code, errorCodes.validation);
  });

  it('bad arguments are thrown as ValidationError (the class), e.g. by the training backend', async () => {
    await assert.rejects(
      initBackend('wasm', { threads: 0 }),
      (e: unknown) => e instanceof ValidationError && /threads/.test((e as Error).message),
    );
    await assert.rejects(
      initBackend('wasm', { threads: 2 }),
      (e: unknown) => e instanceof ValidationError && /single-threaded/.test((e as Error).message),
    );
  });

  it('no product code builds a validation error by hand as a plain AppError', async () => {
    const root = repositoryRoot();
    const files = [
      ...(await sourceFiles(path.join(root, 'services'))),
      ...(await sourceFiles(path.join(root, 'shared'))),
    ];
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      if (/new AppError\(\s*(['"`]VALIDATION['"`]|errorCodes\.validation)/.test(text))
        offenders.push(path.relative(root, file));
    }
    assert.deepEqual(offenders, []);
  });
});
