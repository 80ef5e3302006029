/**
 * weights_io.py reads and writes the project's weights.bin + manifest: a TypeScript checkpoint (encoder,
 * head/ and optimizer/ arrays) read by Python and written back is the same bytes and the same manifest.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildEncoderGraph, initParams, initWeights, type WeightMap } from '../../../../shared/model/encoder/index.js';
import { deserializeWeights, serializeWeights } from '../../../../shared/model/checkpoint/index.js';
import { weightOrder } from '../../../../shared/model/checkpoint/weights-layout.js';
import { buildHeads, headParams } from '../../../../services/trainer/train/heads.js';
import { runPythonArgv, tinyArch, writeWeights } from './python-job-fixtures.js';

const ROUND_TRIP = `
import json, sys
from gibs_embed_torch.weights_io import read_weights, write_weights
src, dst = sys.argv[1], sys.argv[2]
w = read_weights(src + "/weights.bin", src + "/weights.json")
order = [e["name"] for e in json.load(open(src + "/weights.json"))]
write_weights(w, dst + "/weights.bin", dst + "/weights.json", order)
print(json.dumps({"count": len(w), "first": float(w[order[0]].reshape(-1)[0])}))
`;

describe('python weights_io round trip', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'torch-wio-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('reads a TypeScript checkpoint and writes identical bytes and manifest', async () => {
    const graph = buildEncoderGraph(tinyArch);
    const heads = buildHeads('simsiam', graph.embeddingDim, tinyArch.norm);
    const velocity: WeightMap = {};
    const headWeights = initParams(headParams(heads), 3);
    for (const [name, w] of Object.entries(headWeights))
      velocity[`optimizer/velocity/${name}`] = { shape: w.shape, data: w.data.map((v) => v * 0.01) };
    const weights: WeightMap = {
      ...initWeights(graph, 2),
      ...headWeights,
      ...velocity,
      'optimizer/t': { shape: [1], data: new Float32Array([17]) },
    };
    const src = path.join(root, 'src');
    const dst = path.join(root, 'dst');
    await writeWeights(src, tinyArch, weights);
    await mkdir(dst, { recursive: true });
    const run = await runPythonArgv(['-c', ROUND_TRIP, src, dst]);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { count: number; first: number };
    const order = weightOrder(tinyArch, weights);
    assert.equal(report.count, order.length);
    assert.ok(Math.abs(report.first - weights[order[0]].data[0]) < 1e-7);
    assert.ok(order.some((n) => n.startsWith('head/')) && order.includes('optimizer/t'));

    const [srcBytes, dstBytes] = await Promise.all([
      readFile(path.join(src, 'weights.bin')),
      readFile(path.join(dst, 'weights.bin')),
    ]);
    assert.ok(srcBytes.length > 1000);
    assert.equal(Buffer.compare(srcBytes, dstBytes), 0);
    const srcManifest = JSON.parse(await readFile(path.join(src, 'weights.json'), 'utf8')) as unknown;
    const dstManifest = JSON.parse(await readFile(path.join(dst, 'weights.json'), 'utf8')) as unknown;
    assert.deepEqual(dstManifest, srcManifest);
    assert.deepEqual(dstManifest, serializeWeights(tinyArch, weights).manifest);
    const back = deserializeWeights(new Uint8Array(dstBytes), dstManifest as never);
    assert.deepEqual(back['optimizer/t'].data, new Float32Array([17]));
  });

  it('refuses a manifest that does not fit weights.bin (exit 2 path: JobError)', async () => {
    const src = path.join(root, 'short');
    const graph = buildEncoderGraph(tinyArch);
    await writeWeights(src, tinyArch, initWeights(graph, 1));
    const bytes = await readFile(path.join(src, 'weights.bin'));
    await writeFile(path.join(src, 'weights.bin'), bytes.subarray(0, bytes.length - 8));
    const run = await runPythonArgv([
      '-c',
      'import sys\nfrom gibs_embed_torch.weights_io import read_weights\nfrom gibs_embed_torch.errors import JobError\n' +
        'try:\n  read_weights(sys.argv[1] + "/weights.bin", sys.argv[1] + "/weights.json")\nexcept JobError as e:\n' +
        '  print(e.field, e)\n  sys.exit(2)\n',
      src,
    ]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stdout, /^init .*does not fit/);
  });
});
