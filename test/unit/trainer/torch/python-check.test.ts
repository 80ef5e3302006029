/**
 * The torch backend's entry point: `check` reports versions; a bad job.json is refused with exit code 2 and
 * an `{"event":"error"}` line naming the field, before anything is written.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { blueMarbleSample, runPython, runPythonArgv, writeTrainJob } from './python-job-fixtures.js';

describe('python gibs_embed_torch check and job validation', () => {
  let root: string;
  let images: Uint8Array;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'torch-check-'));
    images = await blueMarbleSample(8, 32);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('check prints the torch, cuda and python versions as JSON', async () => {
    const run = await runPython(['check']);
    assert.equal(run.code, 0, run.stderr);
    const info = JSON.parse(run.stdout.trim()) as { torch: string; cuda: boolean; python: string };
    assert.match(info.torch, /^\d+\.\d+/);
    assert.equal(typeof info.cuda, 'boolean');
    assert.match(info.python, /^3\.\d+\.\d+$/);
  });

  it('names what to install when torch cannot be imported (exit code 3)', async () => {
    const code =
      "import sys, runpy\nsys.modules['torch'] = None\nsys.argv = ['gibs_embed_torch', 'check']\n" +
      "runpy.run_module('gibs_embed_torch', run_name='__main__')";
    const run = await runPythonArgv(['-c', code]);
    assert.equal(run.code, 3, run.stderr);
    const error = run.events.at(-1);
    assert.equal(error?.event, 'error');
    assert.match(String(error?.message), /install PyTorch/);
    assert.match(String(error?.message), /python3-torch/);
  });

  const badJobs: { label: string; field: string; override: Record<string, unknown> }[] = [
    { label: 'a missing field', field: 'batch_size', override: { batch_size: undefined } },
    { label: 'an unknown technique', field: 'technique', override: { technique: 'byol' } },
    { label: 'a negative learning rate', field: 'lr', override: { lr: -1 } },
    { label: 'an unknown device', field: 'device', override: { device: 'tpu' } },
    { label: 'a batch larger than the sample', field: 'batch_size', override: { batch_size: 64 } },
    { label: 'an unknown graph op', field: 'graph', override: { graph: { nodes: [{ op: 'softmax' }] } } },
  ];
  for (const bad of badJobs) {
    it(`refuses ${bad.label} with exit code 2 and an error naming ${bad.field}`, async () => {
      const dir = path.join(root, bad.label.replaceAll(' ', '-'));
      await writeTrainJob(dir, { images, count: 8, size: 32, steps: 2, batchSize: 4, override: bad.override });
      const run = await runPython(['train', '--job', dir]);
      assert.equal(run.code, 2, run.stderr);
      const error = run.events.find((e) => e.event === 'error');
      assert.ok(error, `no error event in ${run.stdout}`);
      assert.equal(error.field, bad.field);
      assert.ok(
        String(error.message).includes(bad.field.split('.')[0]) || bad.field === 'graph',
        String(error.message),
      );
      assert.equal(existsSync(path.join(dir, 'out', 'done.json')), false);
      assert.equal(existsSync(path.join(dir, 'out', 'weights.bin')), false);
    });
  }

  it('refuses unreadable job.json and a truncated sample', async () => {
    const dir = path.join(root, 'broken');
    await writeTrainJob(dir, { images, count: 8, size: 32, steps: 2, batchSize: 4 });
    await writeFile(path.join(dir, 'job.json'), '{"technique": ');
    let run = await runPython(['train', '--job', dir]);
    assert.equal(run.code, 2);
    assert.equal(run.events.at(-1)?.field, 'job.json');

    await writeTrainJob(dir, { images, count: 8, size: 32, steps: 2, batchSize: 4 });
    const bytes = await readFile(path.join(dir, 'sample', 'images.u8'));
    await writeFile(path.join(dir, 'sample', 'images.u8'), bytes.subarray(0, bytes.length - 5));
    run = await runPython(['train', '--job', dir]);
    assert.equal(run.code, 2);
    assert.equal(run.events.at(-1)?.field, 'sample');
    assert.match(String(run.events.at(-1)?.message), /bytes/);
  });
});
