import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AppError } from '../../../../shared/errors/index.js';
import { saveCheckpoint } from '../../../../shared/model/checkpoint/index.js';
import { smallCnn } from '../../../../shared/model/encoder/index.js';
import { FsModelRegistry } from '../../../../shared/model/registry/index.js';
import { description, randomWeights } from '../../../support/checkpoint-fixtures.js';

let scratch: string;
let seq = 0;
before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'fs-registry-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function setup() {
  const root = path.join(scratch, `root-${seq++}`);
  const registry = new FsModelRegistry({ root });
  const make = async (seed: number, created: string) => {
    const dir = path.join(scratch, `src-${seq++}`);
    const meta = await saveCheckpoint(dir, {
      weights: randomWeights(smallCnn, seed),
      meta: description(smallCnn, { created_at: created }),
    });
    return { dir, meta };
  };
  return { root, registry, make };
}

const isCode = (code: string) => (error: unknown) => error instanceof AppError && error.code === code;

describe('FsModelRegistry on disk', () => {
  it('lays out checkpoints/<id>/ and latest.json, and a new instance on the same root sees the same state', async () => {
    const { root, registry, make } = await setup();
    const { dir, meta } = await make(1, '2026-11-01T00:00:00.000Z');
    await registry.publish(dir);
    await registry.promote(meta.id);
    assert.deepEqual(await readdir(path.join(root, 'checkpoints')), [meta.id]);
    const pointer = JSON.parse(await readFile(path.join(root, 'latest.json'), 'utf8'));
    assert.equal(pointer.id, meta.id);
    assert.equal(pointer.previous, null);
    assert.deepEqual((await readdir(root)).sort(), ['checkpoints', 'latest.json']);
    await registry.close();
    const reopened = new FsModelRegistry({ root });
    assert.equal((await reopened.latest())?.id, meta.id);
    await reopened.close();
  });

  it('a checkpoint damaged after publishing is refused by open and promote, and latest keeps serving the current one', async () => {
    const { root, registry, make } = await setup();
    const good = await make(2, '2026-11-01T00:00:00.000Z');
    const later = await make(3, '2026-11-02T00:00:00.000Z');
    await registry.publish(good.dir);
    await registry.publish(later.dir);
    await registry.promote(good.meta.id);
    const weights = path.join(root, 'checkpoints', later.meta.id, 'weights.bin');
    const bytes = await readFile(weights);
    bytes[100] ^= 0x40;
    await writeFile(weights, bytes);
    await assert.rejects(
      registry.promote(later.meta.id),
      (e: unknown) => isCode('CHECKPOINT_CORRUPT')(e) && /weights\.bin: sha256 mismatch/.test((e as Error).message),
    );
    await assert.rejects(registry.open(later.meta.id), isCode('CHECKPOINT_CORRUPT'));
    assert.equal((await registry.latest())?.id, good.meta.id);
    assert.equal((await registry.open(good.meta.id)).meta.id, good.meta.id);
    await registry.close();
  });

  it('list leaves out (and logs) an entry with corrupt metadata, and ignores temp directories of interrupted publishes', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const root = path.join(scratch, `root-${seq++}`);
    const registry = new FsModelRegistry({ root, log: pino({ level: 'warn' }, sink) });
    const a = await saveCheckpoint(path.join(scratch, `src-${seq++}`), {
      weights: randomWeights(smallCnn, 4),
      meta: description(smallCnn, { created_at: '2026-11-01T00:00:00.000Z' }),
    });
    const b = await saveCheckpoint(path.join(scratch, `src-${seq++}`), {
      weights: randomWeights(smallCnn, 5),
      meta: description(smallCnn, { created_at: '2026-11-02T00:00:00.000Z' }),
    });
    await registry.publish(path.join(scratch, `src-${seq - 2}`));
    await registry.publish(path.join(scratch, `src-${seq - 1}`));
    await writeFile(path.join(root, 'checkpoints', b.id, 'metadata.json'), '{ broken');
    await mkdir(path.join(root, 'checkpoints', `.tmp-${a.id}-1-abcd`));
    assert.deepEqual(
      (await registry.list()).map((m) => m.id),
      [a.id],
    );
    assert.ok(
      lines.some((l) => l.includes(b.id) && l.includes('corrupt')),
      'the skipped entry is logged',
    );
    await assert.rejects(registry.get(b.id), isCode('CHECKPOINT_CORRUPT'));
    await registry.close();
  });

  it('a damaged latest.json is reported, not guessed around', async () => {
    const { root, registry, make } = await setup();
    const { dir, meta } = await make(6, '2026-11-01T00:00:00.000Z');
    await registry.publish(dir);
    await registry.promote(meta.id);
    await writeFile(path.join(root, 'latest.json'), '{"id": 42}');
    await assert.rejects(registry.latest(), isCode('REGISTRY_CORRUPT'));
    await writeFile(path.join(root, 'latest.json'), JSON.stringify({ id: 'ckpt-20990101000000-0123456789ab' }));
    await assert.rejects(
      registry.latest(),
      (e: unknown) => isCode('REGISTRY_CORRUPT')(e) && /not in the registry/.test((e as Error).message),
    );
    await registry.promote(meta.id);
    assert.equal((await registry.latest())?.id, meta.id);
    await registry.close();
  });

  it('promote records the previous pointer and leaves no temp files', async () => {
    const { root, registry, make } = await setup();
    const a = await make(7, '2026-11-01T00:00:00.000Z');
    const b = await make(8, '2026-11-02T00:00:00.000Z');
    await registry.publish(a.dir);
    await registry.publish(b.dir);
    await registry.promote(a.meta.id);
    await registry.promote(b.meta.id);
    const pointer = JSON.parse(await readFile(path.join(root, 'latest.json'), 'utf8'));
    assert.deepEqual([pointer.id, pointer.previous], [b.meta.id, a.meta.id]);
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.includes('.tmp')),
      [],
    );
    assert.deepEqual(
      (await readdir(path.join(root, 'checkpoints'))).filter((n) => n.includes('.tmp')),
      [],
    );
    await registry.close();
  });
});
