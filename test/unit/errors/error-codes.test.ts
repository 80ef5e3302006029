import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import { repositoryRoot } from '../../support/data-kit.js';

// Each module declares its error codes once, in its `*-errors.ts` file (shared/errors: error-codes.ts), and every
// throw site and comparison uses the constant, so a typo is a type error. This scan keeps a new inline code out.

/** Files where code strings are declared, hence allowed. */
const declarationFile = /(-errors|error-codes)\.ts$/;

// A code: upper case, digits and underscores (e.g. BAD_BBOX). Written where a code goes: `code: 'X'` (an option,
// a record, the else branch of `e.code : 'X'`), `SomethingError('X'` / `ioError('X'` (a constructor or helper
// taking the code first, across a line break too), `code === 'X'` / `code !== 'X'`, and `.code, 'X'`.
const inlineCode = [
  /\bcode\s*:\s*'([A-Z][A-Z0-9_]*)'/g,
  /\b\w*[Ee]rror\(\s*'([A-Z][A-Z0-9_]*)'/g,
  /\bcode\s*[!=]==?\s*'([A-Z][A-Z0-9_]*)'/g,
  /\.code,\s*'([A-Z][A-Z0-9_]*)'/g,
];

// errno names (ENOENT, EPERM, EADDRINUSE) are Node's codes, compared where fs and net errors are classified.
const errnoNames = new Set(Object.keys(constants.errno));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => path.join(e.parentPath, e.name));
}

/** `file:line: 'CODE'` for each inline code literal in the text. */
function findInlineCodes(file: string, text: string): string[] {
  const found: { index: number; code: string }[] = [];
  for (const pattern of inlineCode) {
    for (const match of text.matchAll(pattern)) {
      const code = match[1];
      if (!errnoNames.has(code)) found.push({ index: match.index + match[0].lastIndexOf(`'${code}'`), code });
    }
  }
  return found
    .sort((a, b) => a.index - b.index)
    .map(({ index, code }) => `${file}:${text.slice(0, index).split('\n').length}: '${code}'`);
}

describe('error codes', () => {
  it('the scan finds each way of writing a code inline, and passes errno names and constants', () => {
    const text = [
      "throw new ValidationError('bad', { code: 'BAD_BBOX' });",
      "throw new AppError('WRONG_TILE_SIZE', message, { retriable: false });",
      'throw new HttpError(',
      "  'TIMEOUT', `slow`, options);",
      "throw ioError('CHECKPOINT_IO', 'cannot read', error);",
      "if (error.code === 'CHECKPOINT_NOT_FOUND') return;",
      "const code = error instanceof AppError ? error.code : 'INTERNAL';",
      "assert.equal(error.code, 'BAD_TIME');",
      "if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];",
      'throw new ValidationError(`bad`, { code: tilesErrorCodes.badBbox });',
      "throw new ValidationError('LAYER does not exist');",
    ].join('\n');
    assert.deepEqual(findInlineCodes('x.ts', text), [
      "x.ts:1: 'BAD_BBOX'",
      "x.ts:2: 'WRONG_TILE_SIZE'",
      "x.ts:4: 'TIMEOUT'",
      "x.ts:5: 'CHECKPOINT_IO'",
      "x.ts:6: 'CHECKPOINT_NOT_FOUND'",
      "x.ts:7: 'INTERNAL'",
      "x.ts:8: 'BAD_TIME'",
    ]);
  });

  it('no product code writes an error code inline outside its module’s errors file', async () => {
    const root = repositoryRoot();
    const files = [
      ...(await sourceFiles(path.join(root, 'services'))),
      ...(await sourceFiles(path.join(root, 'shared'))),
    ].filter((file) => !declarationFile.test(file));
    const offenders: string[] = [];
    for (const file of files.sort()) {
      offenders.push(...findInlineCodes(path.relative(root, file), await readFile(file, 'utf8')));
    }
    assert.deepEqual(
      offenders,
      [],
      `${offenders.length} inline error codes; declare each in its module's *-errors.ts and use the constant:\n${offenders.join('\n')}`,
    );
  });
});
