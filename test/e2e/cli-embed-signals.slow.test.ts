import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SERVING_ALIAS } from '../../shared/store/index.js';
import { repositoryRoot } from '../support/data-kit.js';
import { runCli } from '../support/run-cli.js';
import { fastEnv, harvestInto, inspectDataDir } from '../support/embedder-data-dir.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** `gibs-embed ARGS` in its own process; resolves with how it ended (a signal, or an exit status) */
function spawnCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [path.join(repositoryRoot(), 'bin/gibs-embed.js'), ...args], {
    cwd: repositoryRoot(),
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, ended };
}

/** `embed` stopped by SIGTERM, and two `embed` processes on one data folder (one bus, one store). */
describe('gibs-embed embed: signals and several processes', () => {
  it('SIGTERM finishes the batch in flight, commits it, and exits 130', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cli-embed-term-'));
    dirs.push(dataDir);
    await harvestInto(dataDir, 0, 240);
    const run = spawnCli(
      ['embed'],
      await fastEnv(dataDir, { EMBED_BATCH_SIZE: '8', LOG_LEVEL: 'debug', LOG_PRETTY: 'false' }),
    );
    // stopped right after its first commit: more batches are in flight then, and most of the topic is left
    await new Promise<void>((resolve) => {
      let seen = '';
      run.child.stderr!.on('data', (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('"embedder: batch committed"')) resolve();
      });
    });
    run.child.kill('SIGTERM');
    const ended = await run.ended;
    assert.equal(ended.code, 130, ended.stderr);
    assert.doesNotMatch(ended.stderr, /"level":50/, 'nothing failed on the way out');
    assert.match(ended.stderr, /shutting down: draining in-flight work/);

    const data = await inspectDataDir(dataDir);
    try {
      const collection = (await data.store.getAlias(SERVING_ALIAS))!;
      const stored = await data.store.count(collection);
      const committed = 240 - (await data.lag());
      assert.ok(stored > 0 && stored < 240, `stopped midway: ${stored} stored`);
      assert.equal(stored, committed, 'everything stored was committed: the batches in flight were finished');
      assert.equal((await data.topic('tiles.embedded')).length, stored);
    } finally {
      await data.close();
    }
  });

  it('two `embed --until-idle` processes on one bus and one store share the work; each tile is stored once', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'cli-embed-two-'));
    dirs.push(dataDir);
    const tiles = await harvestInto(dataDir, 0, 120);
    const env = await fastEnv(dataDir, { EMBED_BATCH_SIZE: '8' });
    const [one, two] = await Promise.all([
      runCli(['embed', '--until-idle', '--workers', '2'], env, { timeoutMs: 150_000 }),
      runCli(['embed', '--until-idle', '--workers', '2'], env, { timeoutMs: 150_000 }),
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    const data = await inspectDataDir(dataDir);
    try {
      const collection = (await data.store.getAlias(SERVING_ALIAS))!;
      assert.deepEqual(await data.ids(collection), tiles.map((t) => t.id).sort());
      assert.equal(await data.store.count(collection), 120);
      assert.equal(new Set((await data.topic('tiles.embedded')).map((m) => m.id)).size, 120);
      assert.equal(await data.lag(), 0);
    } finally {
      await data.close();
    }

    const noop = await runCli(['reembed', '--json'], env);
    assert.equal(noop.code, 0, noop.stderr);
    assert.equal(JSON.parse(noop.stdout).alreadyServing, true, 'the serving model is latest: nothing to do');
    const unknown = await runCli(['reembed', '--model', 'ckpt-19990101000000-000000000000'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--model ckpt-19990101000000-000000000000: no such directory/);
  });
});
