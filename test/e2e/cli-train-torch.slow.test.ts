import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { access, copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadCheckpoint } from '../../shared/model/checkpoint/index.js';
import { openQueryEmbedder } from '../../shared/model/infer/index.js';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import { silentLogger } from '../../shared/log/index.js';
import { kit, repositoryRoot } from '../support/data-kit.js';
import { runCli } from '../support/run-cli.js';

interface Summary {
  checkpoint: string;
  id: string;
  registry: string | null;
  metrics: Record<string, number>;
}

/** `gibs-embed train --backend torch`: PyTorch ranks under Debian's python3-torch, the checkpoint written by TS. */
describe('gibs-embed train --backend torch', () => {
  let root: string;
  let data: string;
  let env: Record<string, string>;
  const registered = async () => {
    const registry = new FsModelRegistry({ root: path.join(root, 'models'), log: silentLogger() });
    try {
      return (await registry.list()).map((m) => m.id);
    } finally {
      await registry.close();
    }
  };
  const train = (args: string[], extraEnv: Record<string, string> = {}) =>
    runCli(['train', '--data', data, '--steps', '4', '--batch', '8', ...args], { ...env, ...extraEnv });

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cli-train-torch-'));
    data = path.join(root, 'tiles');
    await mkdir(data);
    // 16 real Blue Marble tiles (level 3): enough for 2 ranks × 4 pairs per step
    for (const x of [0, 1, 2, 3])
      for (const y of [0, 1, 2, 3])
        await copyFile(kit(`bluemarble/3/${x}/${y}.jpg`), path.join(data, `bm-3-${x}-${y}.jpg`));
    env = { GIBS_EMBED_DATA_DIR: root };
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  let torchCkpt: string;
  it('trains with 2 processes into a registered checkpoint that embeds through the embedder path', async () => {
    torchCkpt = path.join(root, 'torch-1');
    const run = await train([
      '--backend',
      'torch',
      '--workers',
      '2',
      '--arch',
      'small',
      '--input-size',
      '32',
      '--out',
      torchCkpt,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as Summary;
    assert.equal(summary.checkpoint, torchCkpt);
    assert.ok(summary.registry, 'registered');
    assert.deepEqual(await registered(), [summary.id]);
    assert.equal(summary.metrics.steps, 4);
    assert.equal(summary.metrics.next_step, 4);
    assert.equal(summary.metrics.partial, 0);
    assert.ok(Number.isFinite(summary.metrics.final_loss) && summary.metrics.final_loss > 0);

    const loaded = await loadCheckpoint(torchCkpt); // verifies digests, weights against the architecture
    assert.equal(loaded.meta.version, 2);
    assert.deepEqual(loaded.meta.training, { backend: 'torch', device: 'cpu', workers: 2 });
    assert.equal(loaded.meta.augmentation?.out_size, 32);
    assert.ok(
      Object.keys(loaded.weights).some((n) => n.startsWith('optimizer/velocity/')),
      'optimiser state kept',
    );
    assert.ok(
      Object.keys(loaded.weights).some((n) => n.startsWith('head/')),
      'head kept',
    );
    const log = (await readFile(path.join(torchCkpt, 'train-log.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(
      log.map((l) => (JSON.parse(l) as { step: number }).step),
      [0, 1, 2, 3],
    );

    const embedder = await openQueryEmbedder({ checkpoint: torchCkpt, expectModelId: summary.id, intraOpThreads: 1 });
    try {
      const files = ['bm-3-0-0.jpg', 'bm-3-2-1.jpg'];
      const vectors = await embedder.embed(
        await Promise.all(files.map(async (f) => ({ label: f, bytes: await readFile(path.join(data, f)) }))),
      );
      assert.equal(vectors.length, 2);
      for (const v of vectors) {
        assert.equal(v.length, embedder.embeddingDim);
        const norm = Math.hypot(...v);
        assert.ok(Math.abs(norm - 1) < 1e-4, `unit vector, norm ${norm}`);
      }
      assert.notDeepEqual(vectors[0], vectors[1]);
    } finally {
      await embedder.close();
    }
  });

  it('continues across backends: torch → wasm (--init) and wasm → torch (--init --resume)', async () => {
    const wasmCkpt = path.join(root, 'wasm-from-torch');
    const toWasm = await train(['--backend', 'wasm', '--workers', '1', '--init', torchCkpt, '--out', wasmCkpt]);
    assert.equal(toWasm.code, 0, toWasm.stderr);
    const wasmMeta = (await loadCheckpoint(wasmCkpt)).meta;
    assert.equal(wasmMeta.parent, (await loadCheckpoint(torchCkpt)).meta.id);
    assert.equal(wasmMeta.training?.backend, 'wasm');

    const backToTorch = path.join(root, 'torch-from-wasm');
    const toTorch = await train([
      '--backend',
      'torch',
      '--workers',
      '2',
      '--init',
      wasmCkpt,
      '--resume',
      '--steps',
      '6',
      '--out',
      backToTorch,
    ]);
    assert.equal(toTorch.code, 0, toTorch.stderr);
    const summary = JSON.parse(toTorch.stdout) as Summary;
    // the resumed run continues the schedule: steps 4 and 5 of 6
    assert.deepEqual([summary.metrics.steps, summary.metrics.next_step], [2, 6]);
    const loaded = await loadCheckpoint(backToTorch);
    assert.equal(loaded.meta.parent, wasmMeta.id);
    assert.equal(loaded.meta.input_size, 32);
    assert.equal((await registered()).length, 3);
  });

  it('a crashed rank fails the run: status 1, no checkpoint, nothing registered', async () => {
    const before = await registered();
    const out = path.join(root, 'crashed');
    const run = await train(
      ['--backend', 'torch', '--workers', '2', '--arch', 'small', '--input-size', '32', '--out', out],
      { GIBS_EMBED_TORCH_CRASH_RANK: '1' },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /TORCH_RANK_FAILED: torch training rank 1 exited with status 3/);
    await assert.rejects(access(out));
    assert.deepEqual(await registered(), before);
    assert.deepEqual(
      (await readdir(root)).filter((n) => n.startsWith('.crashed')),
      [],
      'no half-written checkpoint',
    );
  });

  it('SIGINT stops every rank: exit 130, no checkpoint, nothing registered', async () => {
    const before = await registered();
    const out = path.join(root, 'interrupted');
    const child = spawn(
      process.execPath,
      [
        path.join(repositoryRoot(), 'bin/gibs-embed.js'),
        ...['train', '--data', data, '--backend', 'torch', '--workers', '2', '--arch', 'small'],
        ...['--input-size', '32', '--steps', '100000', '--batch', '8', '--out', out],
      ],
      { cwd: repositoryRoot(), env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes('"msg":"train step"')) resolve();
      });
      child.on('close', () => reject(new Error(`exited before training: ${stderr}`)));
    });
    const ranks = await new Promise<number[]>((resolve) =>
      execFile('pgrep', ['-P', String(child.pid), '-f', 'gibs_embed_torch train'], (_error, stdout) =>
        resolve(stdout.trim().split('\n').filter(Boolean).map(Number)),
      ),
    );
    child.kill('SIGINT');
    assert.equal(ranks.length, 2, 'two rank processes ran');
    assert.equal(await exited, 130, stderr);
    const alive = ranks.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false; // ESRCH: that rank is gone, as it should be
      }
    });
    assert.deepEqual(alive, [], 'no rank outlives the command');
    await assert.rejects(access(out));
    assert.deepEqual(await registered(), before);
  });

  it('names the missing Python, and what to install when torch is missing', async () => {
    const out = path.join(root, 'no-python');
    const missing = await train(['--backend', 'torch', '--arch', 'small', '--input-size', '32', '--out', out], {
      TRAINER_PYTHON: path.join(root, 'no-such-python3'),
    });
    assert.equal(missing.code, 1, missing.stderr);
    assert.match(missing.stderr, /TORCH_PYTHON_MISSING: .*no-such-python3/);
    await assert.rejects(access(out));

    const cuda = await train(['--device', 'cuda', '--arch', 'small', '--input-size', '32', '--out', out]);
    assert.equal(cuda.code, 2, 'usage error');
    assert.match(cuda.stderr, /--device selects where --backend torch runs/);
  });
});
