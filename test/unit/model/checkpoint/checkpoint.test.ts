import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../../shared/errors/index.js';
import { resnet18Half, smallCnn, type WeightMap } from '../../../../shared/model/encoder/index.js';
import {
  CHECKPOINT_ID_PATTERN,
  addCheckpointFiles,
  encoderWeights,
  loadCheckpoint,
  readCheckpointFile,
  readCheckpointMeta,
  saveCheckpoint,
  sha256Hex,
  verifyCheckpoint,
  checkpointErrorCodes,
} from '../../../../shared/model/checkpoint/index.js';
import { description, randomWeights } from '../../../support/checkpoint-fixtures.js';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'ckpt-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let counter = 0;
const fresh = () => path.join(root, `c${counter++}`);

function isCorrupt(file: string, why: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof AppError, `expected AppError, got ${String(error)}`);
    assert.equal(error.code, checkpointErrorCodes.corrupt);
    assert.equal(error.retriable, false);
    assert.ok(error.message.includes(file), `message names ${file}: ${error.message}`);
    assert.match(error.message, why);
    return true;
  };
}

async function saved(extra: Record<string, Uint8Array> = {}) {
  const dir = fresh();
  const weights = randomWeights(smallCnn, 1);
  const meta = await saveCheckpoint(dir, { weights, meta: description(smallCnn) }, extra);
  return { dir, weights, meta };
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips weights bit-exactly with the metadata (ResNet-18 half width)', async () => {
    const dir = fresh();
    const weights = randomWeights(resnet18Half, 7);
    const meta = await saveCheckpoint(dir, {
      weights,
      meta: description(resnet18Half, { parent: 'ckpt-20261101000000-aaaaaaaaaaaa', technique: 'simsiam' }),
    });
    assert.match(meta.id, CHECKPOINT_ID_PATTERN);
    assert.ok(meta.id.startsWith('ckpt-20261125102030-'));
    assert.deepEqual((await readdir(dir)).sort(), ['metadata.json', 'weights.bin']);
    const loaded = await loadCheckpoint(dir);
    assert.deepEqual(loaded.meta, meta);
    assert.deepEqual(Object.keys(loaded.weights), Object.keys(weights));
    for (const [name, w] of Object.entries(weights)) {
      assert.deepEqual(loaded.weights[name].shape, w.shape);
      assert.deepEqual(Buffer.from(loaded.weights[name].data.buffer), Buffer.from(w.data.buffer), name);
    }
    assert.equal(loaded.meta.parent, 'ckpt-20261101000000-aaaaaaaaaaaa');
    assert.deepEqual(loaded.meta.metrics, { 'precision@10': 0.61, collapse_std: 0.041 });
    const bin = await readFile(path.join(dir, 'weights.bin'));
    assert.equal(meta.files['weights.bin'].sha256, sha256Hex(bin));
    assert.equal(meta.id.slice(-12), sha256Hex(bin).slice(0, 12));
  });

  it('stores float32 little-endian in graphParams order', async () => {
    const { dir, weights, meta } = await saved();
    const bin = await readFile(path.join(dir, 'weights.bin'));
    const first = meta.weights[0];
    assert.equal(first.name, 'conv1/kernel');
    assert.equal(bin.readFloatLE(0), weights['conv1/kernel'].data[0]);
    const last = meta.weights[meta.weights.length - 1];
    assert.equal(bin.readFloatLE(last.offset + (last.length - 1) * 4), weights[last.name].data[last.length - 1]);
  });

  it('keeps extra files (model.onnx) listed with their sha256, and training-only head/optimizer state', async () => {
    const onnx = new Uint8Array([8, 1, 2, 3, 4]);
    const dir = fresh();
    const weights: WeightMap = {
      ...randomWeights(smallCnn, 2),
      'optimizer/t': { shape: [], data: new Float32Array([42]) },
      'head/projector/fc1/kernel': { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    };
    const meta = await saveCheckpoint(dir, { weights, meta: description(smallCnn) }, { 'model.onnx': onnx });
    assert.equal(meta.files['model.onnx'].sha256, sha256Hex(onnx));
    assert.deepEqual(
      meta.weights.slice(-2).map((w) => w.name),
      ['head/projector/fc1/kernel', 'optimizer/t'],
    );
    const loaded = await loadCheckpoint(dir);
    assert.deepEqual(loaded.weights['head/projector/fc1/kernel'].data, new Float32Array([1, 2, 3, 4, 5, 6]));
    assert.deepEqual(loaded.weights['optimizer/t'], { shape: [], data: new Float32Array([42]) });
    assert.deepEqual(Object.keys(encoderWeights(smallCnn, loaded.weights)), Object.keys(randomWeights(smallCnn, 2)));
    assert.deepEqual(await readCheckpointFile(dir, 'model.onnx'), new Uint8Array(onnx));
  });

  it('adds a file later without changing the id; same bytes again is a no-op, other bytes are refused', async () => {
    const { dir, meta } = await saved();
    const onnx = new Uint8Array([1, 2, 3]);
    const next = await addCheckpointFiles(dir, { 'model.onnx': onnx });
    assert.equal(next.id, meta.id);
    assert.equal(next.files['model.onnx'].bytes, 3);
    assert.deepEqual(await verifyCheckpoint(dir), next);
    assert.deepEqual(await addCheckpointFiles(dir, { 'model.onnx': onnx }), next);
    await assert.rejects(
      addCheckpointFiles(dir, { 'model.onnx': new Uint8Array([9]) }),
      (e: unknown) => e instanceof AppError && e.code === checkpointErrorCodes.immutable,
    );
    await assert.rejects(addCheckpointFiles(dir, { 'weights.bin': onnx }), /not allowed/);
    assert.deepEqual((await readdir(dir)).sort(), ['metadata.json', 'model.onnx', 'weights.bin']);
  });

  it('refuses to overwrite an existing checkpoint and leaves no temp directory behind', async () => {
    const { dir } = await saved();
    await assert.rejects(
      saveCheckpoint(dir, { weights: randomWeights(smallCnn, 3), meta: description(smallCnn) }),
      (e: unknown) => e instanceof AppError && e.code === checkpointErrorCodes.exists,
    );
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.includes('.tmp-')),
      [],
    );
  });

  it('refuses to save weights that do not fit the architecture, NaNs, or a bad description', async () => {
    const weights = randomWeights(smallCnn, 4);
    const missing = { ...weights };
    delete missing['conv2/bias'];
    await assert.rejects(
      saveCheckpoint(fresh(), { weights: missing, meta: description(smallCnn) }),
      /missing conv2\/bias/,
    );
    const wrongShape = { ...weights, 'conv1/kernel': { shape: [3, 3, 3, 8], data: new Float32Array(216) } };
    await assert.rejects(
      saveCheckpoint(fresh(), { weights: wrongShape, meta: description(smallCnn) }),
      /conv1\/kernel has shape \[3,3,3,8\]/,
    );
    const extra = { ...weights, 'mystery/w': { shape: [1], data: new Float32Array(1) } };
    await assert.rejects(
      saveCheckpoint(fresh(), { weights: extra, meta: description(smallCnn) }),
      /unexpected mystery\/w/,
    );
    const nan = { ...weights, 'conv1/bias': { shape: [16], data: new Float32Array(16).fill(Number.NaN) } };
    await assert.rejects(saveCheckpoint(fresh(), { weights: nan, meta: description(smallCnn) }), /NaN/);
    await assert.rejects(
      saveCheckpoint(fresh(), { weights, meta: description(resnet18Half) }),
      (e: unknown) => e instanceof AppError && e.code === checkpointErrorCodes.invalid,
    );
    await assert.rejects(
      saveCheckpoint(fresh(), { weights, meta: description(smallCnn, { input_size: 0 }) }),
      /input_size/,
    );
    await assert.rejects(
      saveCheckpoint(fresh(), { weights, meta: description(smallCnn) }, { '../evil': new Uint8Array(1) }),
      /not allowed/,
    );
  });
});

describe('loadCheckpoint refuses damaged checkpoints', () => {
  it('a truncated weights.bin', async () => {
    const { dir } = await saved();
    const size = (await readFile(path.join(dir, 'weights.bin'))).length;
    await truncate(path.join(dir, 'weights.bin'), size - 10);
    await assert.rejects(loadCheckpoint(dir), isCorrupt('weights.bin', /truncated/));
    await assert.rejects(verifyCheckpoint(dir), isCorrupt('weights.bin', /truncated/));
  });

  it('a flipped byte in weights.bin', async () => {
    const { dir } = await saved();
    const file = path.join(dir, 'weights.bin');
    const bytes = await readFile(file);
    bytes[bytes.length >> 1] ^= 0x01;
    await writeFile(file, bytes);
    await assert.rejects(loadCheckpoint(dir), isCorrupt('weights.bin', /sha256 mismatch/));
  });

  it('a flipped byte in an extra file', async () => {
    const { dir } = await saved({ 'model.onnx': new Uint8Array([1, 2, 3, 4]) });
    await writeFile(path.join(dir, 'model.onnx'), new Uint8Array([1, 2, 3, 5]));
    await assert.rejects(verifyCheckpoint(dir), isCorrupt('model.onnx', /sha256 mismatch/));
  });

  it('edited metadata (a metric, or a consistent-looking shape change)', async () => {
    const { dir } = await saved();
    const file = path.join(dir, 'metadata.json');
    const original = await readFile(file, 'utf8');
    const meta = JSON.parse(original);
    meta.metrics['precision@10'] = 0.99;
    await writeFile(file, JSON.stringify(meta));
    await assert.rejects(loadCheckpoint(dir), isCorrupt('metadata.json', /digest mismatch/));
    const reshaped = JSON.parse(original);
    reshaped.weights[0].shape = [1, 1, 3, 16];
    await writeFile(file, JSON.stringify(reshaped));
    await assert.rejects(loadCheckpoint(dir), isCorrupt('metadata.json', /digest mismatch/));
  });

  it('malformed metadata: not JSON, wrong format, missing fields', async () => {
    const { dir } = await saved();
    const file = path.join(dir, 'metadata.json');
    const meta = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, '{"format": "gibs-embed-checkpoint", ');
    await assert.rejects(loadCheckpoint(dir), isCorrupt('metadata.json', /not valid JSON/));
    await writeFile(file, JSON.stringify({ ...meta, format: 'something-else' }));
    await assert.rejects(loadCheckpoint(dir), isCorrupt('metadata.json', /malformed: format/));
    const { arch: _arch, ...noArch } = meta;
    await writeFile(file, JSON.stringify(noArch));
    await assert.rejects(loadCheckpoint(dir), isCorrupt('metadata.json', /malformed: arch/));
  });

  it('a missing file (weights.bin, a listed extra, or metadata.json)', async () => {
    const a = await saved();
    await unlink(path.join(a.dir, 'weights.bin'));
    await assert.rejects(loadCheckpoint(a.dir), isCorrupt('weights.bin', /missing/));
    const b = await saved({ 'model.onnx': new Uint8Array([1]) });
    await unlink(path.join(b.dir, 'model.onnx'));
    await assert.rejects(loadCheckpoint(b.dir), isCorrupt('model.onnx', /missing/));
    const c = await saved();
    await unlink(path.join(c.dir, 'metadata.json'));
    await assert.rejects(readCheckpointMeta(c.dir), isCorrupt('metadata.json', /missing/));
    await assert.rejects(loadCheckpoint(path.join(root, 'does-not-exist')), isCorrupt('metadata.json', /missing/));
  });

  it('weights that do not match the architecture, even with a recomputed digest', async () => {
    const { dir } = await saved();
    const file = path.join(dir, 'metadata.json');
    const meta = JSON.parse(await readFile(file, 'utf8'));
    // someone "fixes" the digest after changing the architecture: the weight list no longer fits
    meta.arch = { ...meta.arch, width: 8 };
    const { metadataDigest } = await import('../../../../shared/model/checkpoint/index.js');
    meta.digest = metadataDigest(meta);
    await writeFile(file, JSON.stringify(meta));
    await assert.rejects(
      loadCheckpoint(dir),
      isCorrupt(
        'metadata.json',
        /do not match the architecture: conv1\/kernel has shape \[3,3,3,16\], the architecture needs \[3,3,3,8\]/,
      ),
    );
  });

  it('an id that does not match the weights hash', async () => {
    const { dir } = await saved();
    const file = path.join(dir, 'metadata.json');
    const meta = JSON.parse(await readFile(file, 'utf8'));
    meta.id = 'ckpt-20261125102030-000000000000';
    const { metadataDigest } = await import('../../../../shared/model/checkpoint/index.js');
    meta.digest = metadataDigest(meta);
    await writeFile(file, JSON.stringify(meta));
    await assert.rejects(loadCheckpoint(dir), isCorrupt('metadata.json', /does not match the weights hash/));
  });
});
