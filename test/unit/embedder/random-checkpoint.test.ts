import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { saveCheckpoint, loadCheckpoint } from '../../../shared/model/checkpoint/index.js';
import { smallCnn } from '../../../shared/model/encoder/index.js';
import { prepareModel } from '../../../shared/model/infer/index.js';
import {
  FsModelRegistry,
  RANDOM_CHECKPOINT_CREATED_AT,
  ensureServingCheckpoint,
} from '../../../shared/model/registry/index.js';
import { ValidationError } from '../../../shared/errors/index.js';
import { description, randomWeights } from '../../support/checkpoint-fixtures.js';

let scratch: string;
let seq = 0;
before(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'random-checkpoint-'));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});
const freshRoot = () => path.join(scratch, `root-${seq++}`);

describe('ensureServingCheckpoint', () => {
  it('on an empty registry writes, publishes and promotes a seeded random encoder with a deterministic id', async () => {
    const registry = new FsModelRegistry({ root: freshRoot() });
    const meta = await ensureServingCheckpoint(registry, { seed: 7, arch: smallCnn, inputSize: 32 });
    assert.equal((await registry.latest())?.id, meta.id);
    assert.equal(meta.technique, 'random');
    assert.equal(meta.created_at, RANDOM_CHECKPOINT_CREATED_AT);
    assert.equal(meta.input_size, 32);
    assert.deepEqual(meta.arch, smallCnn);
    // what the embedder serves from it is the trainer's seeded initialisation, exported like any checkpoint
    const loaded = await loadCheckpoint(await registry.checkpointDir(meta.id));
    const prepared = await prepareModel({ checkpoint: await registry.checkpointDir(meta.id) });
    assert.equal(prepared.modelId, meta.id);
    assert.ok(Object.values(loaded.weights).some((w) => w.data.some((v) => v !== 0 && v !== 1)));

    const other = new FsModelRegistry({ root: freshRoot() });
    assert.equal((await ensureServingCheckpoint(other, { seed: 7, arch: smallCnn, inputSize: 32 })).id, meta.id);
    const reseeded = new FsModelRegistry({ root: freshRoot() });
    assert.notEqual((await ensureServingCheckpoint(reseeded, { seed: 8, arch: smallCnn, inputSize: 32 })).id, meta.id);
    await Promise.all([registry.close(), other.close(), reseeded.close()]);
  });

  it('two processes racing on one registry end with one checkpoint, promoted', async () => {
    const root = freshRoot();
    const a = new FsModelRegistry({ root });
    const b = new FsModelRegistry({ root });
    const [x, y] = await Promise.all([
      ensureServingCheckpoint(a, { seed: 1, arch: smallCnn, inputSize: 32 }),
      ensureServingCheckpoint(b, { seed: 1, arch: smallCnn, inputSize: 32 }),
    ]);
    assert.equal(x.id, y.id);
    assert.deepEqual(await readdir(path.join(root, 'checkpoints')), [x.id]);
    assert.equal((await a.latest())?.id, x.id);
    await Promise.all([a.close(), b.close()]);
  });

  it('leaves a registry that has promoted something alone', async () => {
    const root = freshRoot();
    const registry = new FsModelRegistry({ root });
    const dir = path.join(scratch, `trained-${seq++}`);
    await saveCheckpoint(dir, { weights: randomWeights(smallCnn, 3), meta: description(smallCnn) });
    const trained = await registry.publish(dir);
    await registry.promote(trained.id);
    assert.equal((await ensureServingCheckpoint(registry, { seed: 1, arch: smallCnn, inputSize: 32 })).id, trained.id);
    assert.deepEqual(await readdir(path.join(root, 'checkpoints')), [trained.id]);
    await registry.close();
  });

  it('refuses a bad seed or input size before writing anything', async () => {
    const root = freshRoot();
    const registry = new FsModelRegistry({ root });
    await assert.rejects(ensureServingCheckpoint(registry, { seed: -1, inputSize: 32 }), ValidationError);
    await assert.rejects(ensureServingCheckpoint(registry, { seed: 1.5, inputSize: 32 }), ValidationError);
    await assert.rejects(ensureServingCheckpoint(registry, { seed: 1, inputSize: 0 }), ValidationError);
    assert.equal(await registry.latest(), undefined);
    await registry.close();
  });
});
