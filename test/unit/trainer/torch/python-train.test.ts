/**
 * Short real training runs of the torch backend on real Blue Marble tiles: one process, two processes (gloo,
 * one /usr/bin/python3 per rank), a resume from the first run's output, and a crashing rank.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildEncoderGraph, graphParams, initWeights, type WeightMap } from '../../../../shared/model/encoder/index.js';
import { deserializeWeights } from '../../../../shared/model/checkpoint/index.js';
import { buildHeads, headParams, type Technique } from '../../../../services/trainer/train/heads.js';
import {
  blueMarbleSample,
  freePort,
  runPython,
  runPythonArgv,
  tinyArch,
  writeTrainJob,
  type PythonRun,
} from './python-job-fixtures.js';

const SIZE = 32;
const COUNT = 16;
const graph = buildEncoderGraph(tinyArch);

async function readOut(dir: string): Promise<WeightMap> {
  const bytes = await readFile(path.join(dir, 'out', 'weights.bin'));
  const manifest = JSON.parse(await readFile(path.join(dir, 'out', 'weights.json'), 'utf8')) as never;
  return deserializeWeights(new Uint8Array(bytes), manifest);
}

async function readLog(dir: string): Promise<{ step: number; loss: number; lr: number; collapse_std: number }[]> {
  const text = await readFile(path.join(dir, 'out', 'train-log.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { step: number; loss: number; lr: number; collapse_std: number });
}

function ranks(dir: string, world: number, env: Record<string, string> = {}): Promise<PythonRun[]> {
  return freePort().then((port) =>
    Promise.all(
      Array.from({ length: world }, (_, rank) =>
        runPython(
          ['train', '--job', dir],
          {
            MASTER_ADDR: '127.0.0.1',
            MASTER_PORT: String(port),
            RANK: String(rank),
            WORLD_SIZE: String(world),
            ...env,
          },
          90_000,
        ),
      ),
    ),
  );
}

/** The checks every finished run must pass; returns the written weights. */
async function assertFinished(dir: string, technique: Technique, init: WeightMap, steps: number, run: PythonRun) {
  assert.equal(run.code, 0, run.stderr);
  const kinds = run.events.map((e) => e.event);
  assert.equal(kinds[0], 'start');
  assert.equal(kinds.at(-1), 'done');
  const stepEvents = run.events.filter((e) => e.event === 'step');
  assert.ok(stepEvents.length >= 1);
  for (const e of stepEvents) {
    assert.equal(e.steps, steps);
    assert.ok(Number.isFinite(e.loss) && Number.isFinite(e.lr) && (e.pairs_per_second as number) > 0);
  }
  const out = await readOut(dir);
  const heads = buildHeads(technique, graph.embeddingDim, tinyArch.norm);
  const encoderNames = graphParams(graph).map((p) => p.name);
  const trainable = [...graphParams(graph), ...headParams(heads)].filter((p) => p.trainable).map((p) => p.name);
  const expected = [
    ...encoderNames,
    ...[
      ...headParams(heads).map((p) => p.name),
      ...trainable.map((n) => `optimizer/velocity/${n}`),
      'optimizer/t',
    ].sort(),
  ];
  assert.deepEqual(Object.keys(out), expected);
  assert.deepEqual(out['optimizer/t'].data, new Float32Array([steps]));
  for (const [name, w] of Object.entries(out)) assert.ok(w.data.every(Number.isFinite), `${name} not finite`);
  for (const name of ['conv1/kernel', 'conv2/kernel', 'conv2_bn/gamma', 'conv1_bn/moving_mean']) {
    let diff = 0;
    out[name].data.forEach((v, i) => (diff = Math.max(diff, Math.abs(v - init[name].data[i]))));
    assert.ok(diff > 1e-6, `${name} did not change`);
  }
  const [done, weightsStat] = await Promise.all([
    stat(path.join(dir, 'out', 'done.json')),
    stat(path.join(dir, 'out', 'weights.bin')),
  ]);
  assert.ok(done.mtimeMs >= weightsStat.mtimeMs);
  const doneJson = JSON.parse(await readFile(path.join(dir, 'out', 'done.json'), 'utf8')) as Record<string, number>;
  assert.equal(doneJson.steps, steps);
  assert.equal(doneJson.images, COUNT);
  assert.ok(doneJson.pairs_per_second > 0 && doneJson.seconds > 0);
  return out;
}

describe('python gibs_embed_torch train', () => {
  let root: string;
  let images: Uint8Array;
  const init = initWeights(graph, 7);
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'torch-train-'));
    images = await blueMarbleSample(COUNT, SIZE);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('trains SimCLR in one process, then resumes from its output', async () => {
    const dir = path.join(root, 'one');
    await writeTrainJob(dir, { images, count: COUNT, size: SIZE, steps: 3, batchSize: 8, init, threads: 2 });
    const run = await runPython(['train', '--job', dir]);
    const out = await assertFinished(dir, 'simclr', init, 3, run);
    const log = await readLog(dir);
    assert.deepEqual(
      log.map((l) => l.step),
      [0, 1, 2],
    );
    assert.ok(log.every((l) => Number.isFinite(l.loss) && l.loss > 0 && l.collapse_std > 0));
    assert.equal(log[0].lr, 0.05); // one warm-up step reaches the base rate

    const resumed = path.join(root, 'resumed');
    await writeTrainJob(resumed, {
      images,
      count: COUNT,
      size: SIZE,
      steps: 5,
      batchSize: 8,
      init: out,
      override: { resume_step: 3 },
    });
    const again = await runPython(['train', '--job', resumed]);
    await assertFinished(resumed, 'simclr', out, 5, again);
    assert.deepEqual(
      (await readLog(resumed)).map((l) => l.step),
      [3, 4],
    );
  });

  it('trains SimSiam in two processes over gloo; only rank 0 prints and writes', async () => {
    const dir = path.join(root, 'two');
    await writeTrainJob(dir, { images, count: COUNT, size: SIZE, steps: 3, batchSize: 8, init, technique: 'simsiam' });
    const [rank0, rank1] = await ranks(dir, 2);
    assert.equal(rank1.code, 0, rank1.stderr);
    assert.equal(rank1.stdout, '');
    await assertFinished(dir, 'simsiam', init, 3, rank0);
    const start = rank0.events[0];
    assert.equal(start.world_size, 2);
    assert.ok((await readLog(dir)).every((l) => l.loss >= -1 && l.loss <= 1));
  });

  it('gives each rank its own shard of every step (DistributedSampler)', async () => {
    const code = `
import json
from gibs_embed_torch.data import ShardedBatches
a, b = ShardedBatches(16, 6, 2, 0, 7), ShardedBatches(16, 6, 2, 1, 7)
print(json.dumps([[a.indices(s), b.indices(s)] for s in range(4)]))
`;
    const run = await runPythonArgv(['-c', code]);
    assert.equal(run.code, 0, run.stderr);
    const steps = JSON.parse(run.stdout) as [number[], number[]][];
    for (const [a, b] of steps) {
      assert.equal(a.length, 3);
      assert.equal(b.length, 3);
      assert.equal(new Set([...a, ...b]).size, 6, `shards overlap: ${a} / ${b}`);
    }
    // steps 0 and 1 are one epoch (8 per rank, 3 per step): different images; epoch 2 reshuffles
    assert.notDeepEqual(steps[0][0], steps[1][0]);
    assert.notDeepEqual(steps[0], steps[2]);
  });

  it('fails every rank, with no done.json, when one rank crashes', async () => {
    const dir = path.join(root, 'crash');
    await writeTrainJob(dir, { images, count: COUNT, size: SIZE, steps: 4, batchSize: 8, init });
    const started = Date.now();
    const [rank0, rank1] = await ranks(dir, 2, { GIBS_EMBED_TORCH_CRASH_RANK: '1', GIBS_EMBED_TORCH_CRASH_STEP: '1' });
    assert.ok(Date.now() - started < 80_000);
    assert.notEqual(rank1.code, 0);
    assert.notEqual(rank0.code, 0, rank0.stdout);
    assert.notEqual(rank0.code, null, 'rank 0 hung and was killed');
    assert.equal(rank0.events.at(-1)?.event, 'error');
    assert.equal(existsSync(path.join(dir, 'out', 'done.json')), false);
    assert.equal(existsSync(path.join(dir, 'out', 'weights.bin')), false);
  });
});
