import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import { SERVING_ALIAS, collectionForModel } from '../../shared/store/index.js';
import { runCli } from '../support/run-cli.js';
import { harvestInto, inspectDataDir, saveSmallCheckpoint } from '../support/embedder-data-dir.js';
import type { FetchedTile } from '../support/fetched-tiles.js';

/**
 * `embed --until-idle` and `reembed` as a user runs them, each in its own process, on a data folder holding what a
 * harvest leaves (tile bytes and tiles.fetched). Kill -9 crash points, SIGTERM and two processes on one store are in
 * cli-embed-crash.slow.test.ts.
 */
describe('gibs-embed embed / reembed', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let tiles: FetchedTile[];
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'cli-embed-'));
    env = { GIBS_EMBED_DATA_DIR: dataDir, MODEL_INPUT_SIZE: '32', EMBED_BATCH_SIZE: '8' };
    tiles = await harvestInto(dataDir, 0, 30);
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('embed --until-idle stores every tile under the serving alias, produces tiles.embedded, then exits 0', async () => {
    const embed = await runCli(['embed', '--until-idle'], env, { timeoutMs: 120_000 });
    assert.equal(embed.code, 0, embed.stderr);

    const data = await inspectDataDir(dataDir);
    try {
      const collection = await data.store.getAlias(SERVING_ALIAS);
      assert.match(String(collection), /^tiles_ckpt-20000101000000-[0-9a-f]{12}$/, 'a seeded random model serves');
      const ids = tiles.map((t) => t.id).sort();
      assert.deepEqual(await data.ids(collection!), ids);
      assert.deepEqual((await data.topic('tiles.embedded')).map((m) => m.id).sort(), ids);
      assert.deepEqual(await data.topic('tiles.dlq'), []);
      assert.equal(await data.lag(), 0, 'every record committed');
      const [point] = await data.store.get(collection!, [tiles[0].id]);
      assert.equal(point.payload.date, `${tiles[0].date}T00:00:00Z`);
      assert.equal(point.payload.tile_uri, tiles[0].blob_key);
      assert.equal(point.vector.length, 256, 'the ResNet-18 half-width embedding');
    } finally {
      await data.close();
    }
  });

  it('reembed --model latest fills the promoted model’s collection, moves the alias and exits 0', async () => {
    const registry = new FsModelRegistry({ root: path.join(dataDir, 'models') });
    const source = path.join(dataDir, 'trained-src');
    const trained = await saveSmallCheckpoint(source, 5, '2026-11-20T00:00:00.000Z');
    await registry.publish(source);
    await registry.promote(trained.id);
    await registry.close();

    const run = await runCli(['reembed', '--model', 'latest', '--json'], env, { timeoutMs: 120_000 });
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.model, trained.id);
    assert.equal(summary.switched, true);
    assert.deepEqual([summary.total, summary.reembedded], [30, 30]);

    const data = await inspectDataDir(dataDir);
    try {
      const target = collectionForModel(trained.id);
      assert.equal(await data.store.getAlias(SERVING_ALIAS), target);
      assert.deepEqual(await data.ids(target), tiles.map((t) => t.id).sort());
      const [point] = await data.store.get(target, [tiles[3].id]);
      assert.equal(point.payload.model, trained.id);
      assert.equal(point.vector.length, 64, "the new model's own dimension");
      assert.equal((await data.topic('tiles.embedded')).length, 30, 'a re-embedding produces nothing');
    } finally {
      await data.close();
    }
  });
});
