import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CHECKPOINT_VERSION,
  loadCheckpoint,
  metadataDigest,
  saveCheckpoint,
  type CheckpointMeta,
} from '../../../../shared/model/checkpoint/index.js';
import { smallCnn } from '../../../../shared/model/encoder/index.js';
import { description, randomWeights } from '../../../support/checkpoint-fixtures.js';

const augmentation: NonNullable<CheckpointMeta['augmentation']> = {
  out_size: 64,
  crop: { area: [0.5, 1], aspect: [0.75, 4 / 3] },
  rotate90: true,
  flip_horizontal: 0.5,
  flip_vertical: 0.5,
  color_jitter: { probability: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
  grayscale: 0.2,
  blur: null,
};

/** Rewrites a saved checkpoint's metadata as `edit` says, with a valid digest (as an older writer made it). */
async function rewriteMeta(dir: string, edit: (meta: Record<string, unknown>) => void): Promise<void> {
  const file = path.join(dir, 'metadata.json');
  const meta = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  edit(meta);
  delete meta.digest;
  meta.digest = metadataDigest(meta as unknown as CheckpointMeta);
  await writeFile(file, `${JSON.stringify(meta, null, 2)}\n`);
}

describe('checkpoint metadata version 2', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ckpt-version-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('records the augmentation and the trainer, and loads them back', async () => {
    const weights = randomWeights(smallCnn, 1);
    const saved = await saveCheckpoint(path.join(dir, 'v2'), {
      weights,
      meta: { ...description(smallCnn), augmentation, training: { backend: 'torch', device: 'cpu', workers: 2 } },
    });
    assert.equal(CHECKPOINT_VERSION, 2);
    assert.equal(saved.version, 2);
    const loaded = await loadCheckpoint(path.join(dir, 'v2'));
    assert.deepEqual(loaded.meta.augmentation, augmentation);
    assert.deepEqual(loaded.meta.training, { backend: 'torch', device: 'cpu', workers: 2 });
    assert.deepEqual(loaded.meta.normalization, description(smallCnn).normalization);
  });

  it('still loads a version 1 checkpoint (no augmentation, no training)', async () => {
    const weights = randomWeights(smallCnn, 2);
    await saveCheckpoint(path.join(dir, 'v1'), { weights, meta: description(smallCnn) });
    await rewriteMeta(path.join(dir, 'v1'), (meta) => {
      meta.version = 1;
    });
    const loaded = await loadCheckpoint(path.join(dir, 'v1'));
    assert.equal(loaded.meta.version, 1);
    assert.equal(loaded.meta.augmentation, undefined);
    assert.ok(Object.keys(weights).length > 0);
    for (const [name, w] of Object.entries(weights)) assert.deepEqual(loaded.weights[name].data, w.data, name);
  });

  it('refuses an unknown version and a malformed augmentation', async () => {
    const weights = randomWeights(smallCnn, 3);
    await saveCheckpoint(path.join(dir, 'v3'), { weights, meta: description(smallCnn) });
    await rewriteMeta(path.join(dir, 'v3'), (meta) => {
      meta.version = 3;
    });
    await assert.rejects(loadCheckpoint(path.join(dir, 'v3')), /version/);
    await assert.rejects(
      saveCheckpoint(path.join(dir, 'bad-aug'), {
        weights,
        meta: { ...description(smallCnn), augmentation: { ...augmentation, grayscale: 2 } },
      }),
      /augmentation\.grayscale/,
    );
  });
});
