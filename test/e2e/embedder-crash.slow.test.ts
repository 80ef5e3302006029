import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SERVING_ALIAS } from '../../shared/store/index.js';
import { startReplayServer } from '../../services/replay/index.js';
import { kit } from '../support/data-kit.js';
import { runCli } from '../support/run-cli.js';
import {
  embedderLag,
  openDataDirStore,
  readFetchedMessages,
  scrollAll,
  spawnCli,
} from '../support/pipeline-fixtures.js';

const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
const MARBLE = 'BlueMarble_ShadedRelief_Bathymetry';
/** tiles per micro-batch in the crash-point scenarios: 96 tiles make 12 or more batches */
const BATCH = 8;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * kill -9 of an embedder at each point of a batch, and at a random moment, then a restart with --until-idle:
 * nothing lost, no duplicate rows (DESIGN.md "Delivery semantics": upsert, produce, then commit; a crash
 * repeats the batch and the store is idempotent by point id). The crash points come from the CLI's test-only
 * GIBS_EMBED_CRASH_AT=after-decode|after-upsert|after-commit[:N]; each scenario starts from a copy of one
 * harvested data directory (96 real tiles on the bus, nothing embedded).
 */
describe('embedder survives kill -9', () => {
  let template: string;
  let total: number;
  let ids: Set<string>;
  const dirs: string[] = [];

  before(async () => {
    const replay = await startReplayServer({ dataDir: kit(), pregenerate: true });
    template = await mkdtemp(path.join(os.tmpdir(), 'embed-crash-template-'));
    dirs.push(template);
    try {
      for (const args of [
        ['--layer', MODIS, '--from', '2020-09-27', '--level', '0,1,2'],
        ['--layer', MARBLE, '--from', '2020-09-20', '--level', '0,1,2,3'],
      ]) {
        const result = await runCli(['harvest', ...args], { GIBS_EMBED_DATA_DIR: template, GIBS_BASE_URL: replay.url });
        assert.equal(result.code, 0, result.stderr);
      }
    } finally {
      await replay.close();
    }
    const messages = await readFetchedMessages(template);
    total = messages.length;
    ids = new Set(messages.map((m) => m.id));
    assert.equal(total, 96);
  });
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  /** A fresh copy of the harvested data directory and the environment its processes run with. */
  async function scenario(batchSize: number): Promise<{ dir: string; env: Record<string, string> }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'embed-crash-'));
    dirs.push(dir);
    await cp(template, dir, { recursive: true });
    return { dir, env: { GIBS_EMBED_DATA_DIR: dir, EMBED_BATCH_SIZE: String(batchSize), MODEL_INPUT_SIZE: '64' } };
  }

  /** Points in the serving collection (0 before the first upsert) and messages the group committed. */
  async function stateOf(dir: string): Promise<{ stored: number; committed: number }> {
    const committed = total - (await embedderLag(dir));
    const store = await openDataDirStore(dir);
    try {
      const collection = await store.getAlias(SERVING_ALIAS);
      return { stored: collection === undefined ? 0 : await store.count(collection), committed };
    } finally {
      await store.close();
    }
  }

  /** A restart drains the rest; then every tile is stored exactly once and the group has no lag. */
  async function recoverAndCheck(dir: string, env: Record<string, string>): Promise<void> {
    const restart = await runCli(['embed', '--until-idle'], env, { timeoutMs: 180_000 });
    assert.equal(restart.code, 0, restart.stderr);
    assert.equal(await embedderLag(dir), 0);
    const store = await openDataDirStore(dir);
    try {
      const { collection, points } = await scrollAll(store);
      const stored = points.map((p) => p.id);
      assert.equal(new Set(stored).size, stored.length, 'no duplicate rows');
      assert.equal(await store.count(collection), total, 'count() sees no duplicates either');
      assert.deepEqual(new Set(stored), ids, 'every harvested tile, nothing else');
    } finally {
      await store.close();
    }
  }

  const crashes: Array<{ at: string; expect: (s: { stored: number; committed: number }) => void }> = [
    {
      // batch 3 was embedded but nothing of it written; the embedder overlaps up to three batches (decode,
      // inference, write), so batches 1-2 may be stored or even uncommitted yet (on a loaded machine batch 3 can
      // be embedded before batch 1's commit), but nothing beyond them
      at: 'after-decode:3',
      expect: ({ stored, committed }) => {
        assert.ok(stored >= committed, `stored ${stored} >= committed ${committed}`);
        assert.ok(stored <= 2 * BATCH, `stored ${stored}: nothing of the decoded batch 3 reached the store`);
      },
    },
    {
      // batch 3 is in the store, but its offsets were never committed: the restart repeats it
      at: 'after-upsert:3',
      expect: ({ stored, committed }) => {
        assert.ok(committed > 0);
        assert.ok(stored > committed, `stored ${stored} > committed ${committed}: the batch will be redelivered`);
        assert.ok(stored <= 3 * BATCH, `stored ${stored}: batch 4 was not written`);
      },
    },
    {
      // batch 4's write starts only after batch 3's commit returned
      at: 'after-commit:3',
      expect: ({ stored, committed }) => {
        assert.ok(committed > 0 && committed <= 3 * BATCH);
        assert.equal(stored, committed);
      },
    },
  ];
  for (const { at, expect } of crashes) {
    it(
      `GIBS_EMBED_CRASH_AT=${at}: the process dies there, a restart loses and duplicates nothing`,
      { timeout: 300_000 },
      async () => {
        const { dir, env } = await scenario(BATCH);
        const child = spawnCli(['embed', '--until-idle'], { ...env, GIBS_EMBED_CRASH_AT: at });
        const exit = await child.exited;
        assert.equal(
          exit.signal,
          'SIGKILL',
          `embed ended with ${exit.code} instead of dying at ${at}:\n${child.stderr()}`,
        );
        expect(await stateOf(dir));
        await recoverAndCheck(dir, env);
      },
    );
  }

  it(
    'killed from outside at a random moment mid-stream, a restart loses and duplicates nothing',
    { timeout: 300_000 },
    async () => {
      const { dir, env } = await scenario(4);
      const child = spawnCli(['embed', '--until-idle'], env);
      // wait for the first commit, then let it run a random while longer: the kill lands anywhere in a batch
      const deadline = Date.now() + 120_000;
      while ((await embedderLag(dir)) === total) {
        if (Date.now() > deadline || child.proc.exitCode !== null)
          assert.fail(`no commit within 120 s:\n${child.stderr()}`);
        await sleep(20);
      }
      const delayMs = Math.floor(Math.random() * 300);
      await sleep(delayMs);
      child.proc.kill('SIGKILL');
      const exit = await child.exited;
      assert.equal(exit.signal, 'SIGKILL', `embed finished before the kill (delay ${delayMs} ms)`);
      const state = await stateOf(dir);
      assert.ok(state.committed < total, `killed mid-stream (delay ${delayMs} ms, committed ${state.committed})`);
      assert.ok(state.stored >= state.committed, 'every committed tile is stored');
      await recoverAndCheck(dir, env);
    },
  );
});
