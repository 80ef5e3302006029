import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kit, repositoryRoot } from '../support/data-kit.js';

const repoRoot = repositoryRoot();
const dataKit = kit();

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin/gibs-embed.js'), ...args], { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'warn' }, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The model commands chained as a user would: train a checkpoint on real tiles, embed a folder with it, evaluate it. */
describe('gibs-embed train → embed-images → eval', () => {
  let work: string;
  let checkpoint: string;
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'cli-model-'));
    checkpoint = path.join(work, 'ckpt');
  });
  after(async () => rm(work, { recursive: true, force: true }));

  it('trains a small encoder on real Blue Marble tiles into a verified checkpoint', async () => {
    const run = await cli(['train', '--data', path.join(dataKit, 'bluemarble/3'), '--arch', 'small', '--input-size', '32', '--epochs', '2', '--batch', '16', '--workers', '2', '--technique', 'simsiam', '--out', checkpoint]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.match(summary.id, /^ckpt-\d{14}-[0-9a-f]{12}$/);
    assert.equal(summary.metrics.steps, 8);
    assert.ok(Number.isFinite(summary.metrics.final_loss));
    const log = (await readFile(path.join(checkpoint, 'train-log.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(log.length, 8);
    const meta = JSON.parse(await readFile(path.join(checkpoint, 'metadata.json'), 'utf8'));
    assert.deepEqual(Object.keys(meta.files).sort(), ['model.onnx', 'train-log.jsonl', 'weights.bin']);
  });

  it('resumes from the checkpoint (its size and architecture), recording it as the parent', async () => {
    const parent = JSON.parse(await readFile(path.join(checkpoint, 'metadata.json'), 'utf8')) as { id: string };
    const child = path.join(work, 'resumed');
    const run = await cli(['train', '--data', path.join(dataKit, 'bluemarble/3'), '--init', checkpoint, '--resume', '--epochs', '3', '--batch', '16', '--workers', '1', '--technique', 'simsiam', '--out', child]);
    assert.equal(run.code, 0, run.stderr);
    const meta = JSON.parse(await readFile(path.join(child, 'metadata.json'), 'utf8')) as { parent: string; input_size: number; arch: { kind: string }; metrics: { next_step: number; steps: number } };
    assert.equal(meta.parent, parent.id);
    assert.deepEqual([meta.input_size, meta.arch.kind], [32, 'small']);
    // 3 epochs of 4 steps in all, 8 of them done by the parent
    assert.deepEqual([meta.metrics.steps, meta.metrics.next_step], [4, 12]);
    const clash = await cli(['train', '--data', path.join(dataKit, 'bluemarble/3'), '--init', checkpoint, '--input-size', '64', '--out', path.join(work, 'clash')]);
    assert.equal(clash.code, 2);
    assert.match(clash.stderr, /trained at 32 px, not 64/);
  });

  it('embeds a folder with the checkpoint, one unit vector per image', async () => {
    const out = path.join(work, 'vectors.jsonl');
    const run = await cli(['embed-images', path.join(dataKit, 'labeled'), '--checkpoint', checkpoint, '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    const lines = (await readFile(out, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { path: string; vector: number[] });
    assert.equal(lines.length, 9);
    assert.equal(lines[0].path, 'cloud_streets/cloudstreet_sample.jpg');
    for (const { vector } of lines) assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-4);
  });

  it('evaluates it beside the random-init and histogram baselines', async () => {
    const run = await cli(['eval', '--checkpoint', checkpoint, '--labeled', path.join(dataKit, 'labeled'), '--json']);
    assert.equal(run.code, 0, run.stderr);
    const { rows } = JSON.parse(run.stdout) as { rows: { name: string; report: { labeled: { precisionAt: Record<string, number> }; collapseStd: number } }[] };
    assert.deepEqual(rows.map((r) => r.name), ['checkpoint', 'random-init(seed 1)', 'colour histogram']);
    for (const row of rows) {
      for (const k of ['1', '5', '10']) assert.ok(row.report.labeled.precisionAt[k] >= 0 && row.report.labeled.precisionAt[k] <= 1);
      assert.ok(row.report.collapseStd > 0);
    }
  });

  it('refuses a tampered checkpoint with a clear error and status 1', async () => {
    const tampered = path.join(work, 'tampered');
    await cli(['train', '--data', path.join(dataKit, 'bluemarble/2'), '--arch', 'small', '--input-size', '32', '--epochs', '1', '--batch', '8', '--workers', '1', '--out', tampered]);
    const weights = path.join(tampered, 'weights.bin');
    const bytes = await readFile(weights);
    bytes[100] ^= 0xff;
    await writeFile(weights, bytes);
    const run = await cli(['embed-images', path.join(dataKit, 'labeled'), '--checkpoint', tampered, '--out', path.join(work, 'x.jsonl')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /CHECKPOINT_CORRUPT.*weights.bin/);
  });

  it('refuses bad flags with status 2', async () => {
    const both = await cli(['train', '--data', dataKit, '--from-store']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /exactly one of --data DIR or --from-store/);
    assert.equal((await cli(['train', '--data', dataKit, '--technique', 'byol'])).code, 2);
    assert.equal((await cli(['train', '--data', dataKit, '--arch', 'vit'])).code, 2);
  });
});
