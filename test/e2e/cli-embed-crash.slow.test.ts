import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SERVING_ALIAS } from '../../shared/store/index.js';
import { repositoryRoot } from '../support/data-kit.js';
import { runCli } from '../support/run-cli.js';
import { fastEnv, harvestInto, inspectDataDir } from '../unit/embedder/data-dir.js';

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

/**
 * DESIGN.md "Delivery semantics", proven with real crashes: the test-only GIBS_EMBED_CRASH_AT makes `embed` SIGKILL
 * itself at a point of its 2nd batch (batches of 4); a second `embed --until-idle` must then leave every tile
 * stored exactly once and on tiles.embedded, whatever the point.
 */
describe('gibs-embed embed killed with SIGKILL mid-batch', () => {
  const cases = [
    // embedded but nothing written: batch 2 is redone entirely
    { point: 'after-decode', committedAtMost: 4 },
    // stored but neither produced nor committed: redone, the store takes the same ids again
    { point: 'after-upsert', committedAtMost: 4, stored: 8 },
    // committed: the rerun starts after it
    { point: 'after-commit', committedAtMost: 8, stored: 8 },
  ];
  for (const { point, committedAtMost, stored } of cases) {
    it(`${point}: the rerun loses nothing and stores each tile once`, async () => {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), `cli-embed-crash-${point}-`));
      dirs.push(dataDir);
      const tiles = await harvestInto(dataDir, 0, 24);
      const env = await fastEnv(dataDir, { EMBED_BATCH_SIZE: '4', EMBED_LINGER_MS: '0' });

      const crashed = await spawnCli(['embed', '--until-idle'], { ...env, GIBS_EMBED_CRASH_AT: `${point}:2` }).ended;
      assert.equal(crashed.signal, 'SIGKILL', `it crashed (${crashed.code}): ${crashed.stderr}`);
      let data = await inspectDataDir(dataDir);
      try {
        const collection = (await data.store.getAlias(SERVING_ALIAS))!;
        const committed = 24 - (await data.lag());
        assert.ok(committed <= committedAtMost, `committed ${committed}`);
        if (stored !== undefined) assert.equal(await data.store.count(collection), stored);
        assert.ok((await data.topic('tiles.embedded')).length <= committed + 4);
      } finally {
        await data.close();
      }

      const rerun = await runCli(['embed', '--until-idle'], env, { timeoutMs: 120_000 });
      assert.equal(rerun.code, 0, rerun.stderr);
      data = await inspectDataDir(dataDir);
      try {
        const collection = (await data.store.getAlias(SERVING_ALIAS))!;
        const ids = tiles.map((t) => t.id).sort();
        assert.deepEqual(await data.ids(collection), ids, 'every tile, once');
        assert.equal(await data.store.count(collection), 24);
        assert.deepEqual([...new Set((await data.topic('tiles.embedded')).map((m) => m.id))].sort(), ids);
        assert.equal(await data.lag(), 0);
        assert.deepEqual(await data.topic('tiles.dlq'), []);
      } finally {
        await data.close();
      }
    });
  }
});
