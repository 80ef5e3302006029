import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { kit, repositoryRoot } from '../support/data-kit.js';
import { runCli as cli } from '../support/run-cli.js';

const repoRoot = repositoryRoot();
const images = kit('bluemarble/3');

/** MODEL_REGISTRY_DIR in use: `train` registers what it writes, and checkpoint arguments take registry ids. */
describe('gibs-embed and the model registry', () => {
  let work: string;
  let env: Record<string, string>;
  let registry: string;
  let id: string;
  const small = ['--arch', 'small', '--input-size', '32', '--batch', '16', '--workers', '1', '--technique', 'simsiam'];
  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'cli-registry-'));
    registry = path.join(work, 'registry');
    env = { GIBS_EMBED_DATA_DIR: path.join(work, 'data'), MODEL_REGISTRY_DIR: registry };
  });
  after(async () => rm(work, { recursive: true, force: true }));

  it('train writes --out and registers the same checkpoint under model.registryDir', async () => {
    const out = path.join(work, 'ckpt');
    const run = await cli(['train', '--data', images, ...small, '--epochs', '1', '--out', out], env);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { id: string; checkpoint: string; registry: string };
    id = summary.id;
    assert.deepEqual([summary.checkpoint, summary.registry], [out, registry]);
    const written = await readFile(path.join(out, 'metadata.json'), 'utf8');
    const stored = await readFile(path.join(registry, 'checkpoints', id, 'metadata.json'), 'utf8');
    assert.equal(stored, written);
  });

  it('embed-images and train --init take the registry id', async () => {
    const vectors = path.join(work, 'vectors.jsonl');
    const embed = await cli(['embed-images', kit('labeled'), '--checkpoint', id, '--out', vectors], env);
    assert.equal(embed.code, 0, embed.stderr);
    assert.equal((await readFile(vectors, 'utf8')).trim().split('\n').length, 9);

    const child = await cli(
      [
        'train',
        '--data',
        images,
        '--init',
        id,
        '--epochs',
        '1',
        '--batch',
        '16',
        '--workers',
        '1',
        '--technique',
        'simsiam',
        '--out',
        path.join(work, 'child'),
      ],
      env,
    );
    assert.equal(child.code, 0, child.stderr);
    const meta = JSON.parse(await readFile(path.join(work, 'child', 'metadata.json'), 'utf8')) as { parent: string };
    assert.equal(meta.parent, id);
    assert.equal((await readdir(path.join(registry, 'checkpoints'))).filter((n) => n.startsWith('ckpt-')).length, 2);
  });

  it(
    'an interrupted run exits 130, keeps its partial checkpoint in --out and never registers',
    { timeout: 120_000 },
    async () => {
      const out = path.join(work, 'interrupted');
      const args = ['train', '--data', images, ...small, '--epochs', '500', '--out', out];
      const child = spawn(process.execPath, [path.join(repoRoot, 'bin/gibs-embed.js'), ...args], {
        cwd: repoRoot,
        env: { ...process.env, ...env, LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      // interrupt once training is under way (the first step log line), not while it is still starting
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.includes('train step')) resolve();
        });
        void exited.then((code) => reject(new Error(`train exited ${code} before its first step: ${stderr}`)));
      });
      const before = await readdir(path.join(registry, 'checkpoints'));
      child.kill('SIGINT');
      assert.equal(await exited, 130, stderr);
      const summary = JSON.parse(stdout) as { id: string; registry: string | null; metrics: { partial: number } };
      assert.equal(summary.registry, null);
      assert.equal(summary.metrics.partial, 1);
      const meta = JSON.parse(await readFile(path.join(out, 'metadata.json'), 'utf8')) as { id: string };
      assert.equal(meta.id, summary.id);
      assert.deepEqual(await readdir(path.join(registry, 'checkpoints')), before);
    },
  );

  const refusals: [string, string[], RegExp][] = [
    [
      'an id the registry lacks',
      ['train', '--data', images, '--init', 'ckpt-20200101000000-000000000000'],
      /--init ckpt-20200101000000-000000000000: no such directory, and the model registry .*registry holds no checkpoint/,
    ],
    [
      'neither a directory nor an id',
      ['embed-images', images, '--checkpoint', 'no-such-thing', '--out', '/dev/null'],
      /--checkpoint "no-such-thing" is neither a checkpoint directory nor a registry id/,
    ],
    [
      'latest before any promotion',
      ['embed-images', images, '--checkpoint', 'latest', '--out', '/dev/null'],
      /--checkpoint latest: the model registry .* has promoted no checkpoint yet/,
    ],
  ];
  for (const [what, args, message] of refusals) {
    it(`refuses ${what} with status 2`, async () => {
      const run = await cli(args, env);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
    });
  }
});
