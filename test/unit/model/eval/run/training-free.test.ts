import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { repositoryRoot } from '../../../../support/data-kit.js';

const root = repositoryRoot();
// static `import … from`, `export … from`, side-effect `import '…'` and dynamic `import('…')`
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await tsFiles(full)));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** Every file reachable through relative imports from `entries`, and every package they name. */
async function importClosure(entries: string[]): Promise<{ files: Set<string>; packages: Map<string, string> }> {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const source = await readFile(file, 'utf8');
    for (const [, spec] of source.matchAll(SPECIFIER)) {
      if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!packages.has(spec)) packages.set(spec, path.relative(root, file));
    }
  }
  return { files, packages };
}

describe('shared/model never loads training code', () => {
  it('reaches neither services/ nor tfjs from any file under shared/model, run-eval included', async () => {
    const entries = await tsFiles(path.join(root, 'shared/model'));
    const { files, packages } = await importClosure(entries);
    const relative = [...files].map((f) => path.relative(root, f));
    // not vacuous: the walk follows imports out of shared/model and sees the runtime evaluation uses
    assert.ok(relative.includes('shared/model/infer/ort-encoder.ts') && relative.includes('shared/errors/index.ts'));
    assert.ok(packages.has('onnxruntime-node'));
    assert.deepEqual(
      relative.filter((f) => !f.startsWith('shared/')),
      [],
      'files outside shared/ reached',
    );
    const tfjs = [...packages].filter(([spec]) => spec.startsWith('@tensorflow/'));
    assert.deepEqual(tfjs, [], 'tfjs packages imported (package, first importer)');
  });
});
