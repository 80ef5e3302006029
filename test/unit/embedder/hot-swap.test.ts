import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SERVING_ALIAS, collectionForModel, type VectorStore } from '../../../shared/store/index.js';
import { superviseReembed } from '../../../services/embedder/index.js';
import { eventually, openHarness } from './harness.js';

describe('embedder: models and hot-swap', () => {
  it('a checkpoint promoted mid-stream: new tiles go to both collections, the re-embed job fills the new one, and the alias moves only once it is complete', async () => {
    const h = await openHarness('hot-swap');
    try {
      const a = await h.checkpoint(1);
      await h.registry.promote(a.id);
      const models = h.models(30);
      await models.open();
      const [colA] = [collectionForModel(a.id)];
      // the real store, with every move of the alias checked against what the new collection holds at that moment
      const switches: Array<{ to: string; missing: number }> = [];
      const store = new Proxy(h.store, {
        get(target, prop, receiver) {
          if (prop === 'setAlias')
            return async (alias: string, collection: string) => {
              const from = await target.getAlias(alias);
              if (from !== undefined && from !== collection) {
                const have = new Set(await h.ids(collection));
                switches.push({ to: collection, missing: (await h.ids(from)).filter((id) => !have.has(id)).length });
              }
              return target.setAlias(alias, collection);
            };
          const value = Reflect.get(target, prop, receiver) as unknown;
          return typeof value === 'function' ? (value as (...x: unknown[]) => unknown).bind(target) : value;
        },
      }) as VectorStore;
      const embedder = h.embedder(models, { batchSize: 4 }, { store });
      embedder.start();
      const first = await h.harvest(0, 24);
      await embedder.untilIdle();

      const b = await h.checkpoint(2);
      const colB = collectionForModel(b.id);
      await h.registry.promote(b.id);
      // these arrive while B is being loaded: some are embedded by A alone, some by both
      const during = await h.harvest(24, 24);
      await eventually('B loaded', () => models.pendingReembed() === b.id);
      assert.equal(await h.store.getAlias(SERVING_ALIAS), colA, 'the alias stays until the re-embed job is done');
      const supervisor = superviseReembed(
        { models, store, blobs: h.blobs, log: h.log },
        {
          lockFile: path.join(h.dir, 'reembed', 'lock.db'),
          progressFile: path.join(h.dir, 'reembed', 'progress.json'),
          pageSize: 8,
          initialBackoffMs: 10,
          maxBackoffMs: 100,
          retryMs: 100,
        },
      );
      await eventually('the alias on B', async () => (await h.store.getAlias(SERVING_ALIAS)) === colB);
      const after = await h.harvest(48, 8);
      await embedder.untilIdle();
      await embedder.stop();
      await supervisor.close();

      assert.deepEqual(switches, [{ to: colB, missing: 0 }], 'one switch, when B held every tile of A');
      const all = [...first, ...during, ...after].map((t) => t.id).sort();
      assert.deepEqual(await h.ids(colB), all, 'the serving collection has every tile');
      assert.deepEqual(
        (await h.ids(colA)).filter((id) => !after.some((t) => t.id === id)),
        [...first, ...during].map((t) => t.id).sort(),
        'the old collection had every tile until the switch',
      );
      const pointsB = await h.store.get(colB, all.slice(0, 10));
      assert.ok(pointsB.every((p) => p.payload.model === b.id));
      const pointsA = await h.store.get(colA, [first[0].id]);
      assert.equal(pointsA[0].payload.model, a.id);
      assert.notDeepEqual(pointsA[0].vector, (await h.store.get(colB, [first[0].id]))[0].vector, 'two models');

      const embedded = await h.topic('tiles.embedded');
      assert.equal(embedded.length, 56, 'one message per new tile; the re-embed job produced none');
      const modelOf = new Map(embedded.map((m) => [m.id, m.model]));
      assert.ok(
        first.every((t) => modelOf.get(t.id) === a.id),
        'before the switch the serving model is A',
      );
      assert.ok(
        after.every((t) => modelOf.get(t.id) === b.id),
        'after it, B',
      );
      assert.ok(
        h.logs.some((r) => r.msg === 'embedder: model retired' && r.model === a.id),
        'A is unloaded',
      );
    } finally {
      await h.close();
    }
  });

  it('the alias moved by another process to a model this one never loaded: batches are written there too', async () => {
    const h = await openHarness('alias-moved');
    try {
      const a = await h.checkpoint(1);
      await h.registry.promote(a.id);
      const models = h.models(30);
      await models.open();
      const embedder = h.embedder(models);
      embedder.start();
      const before = await h.harvest(0, 8);
      await embedder.untilIdle();

      // what another process's re-embed job leaves: B's collection complete, the alias on it; B is not `latest` here
      const b = await h.checkpoint(2);
      const colB = collectionForModel(b.id);
      const moved = await h.store.get(
        collectionForModel(a.id),
        before.map((t) => t.id),
      );
      await h.store.ensureCollection(colB, moved[0].vector.length);
      await h.store.upsert(
        colB,
        moved.map((p) => ({ ...p, payload: { ...p.payload, model: b.id } })),
      );
      await h.store.setAlias(SERVING_ALIAS, colB);

      const later = await h.harvest(8, 8);
      await embedder.untilIdle();
      await embedder.stop();
      assert.deepEqual(
        await h.ids(colB),
        [...before, ...later].map((t) => t.id).sort(),
        'nothing missing where queries look',
      );
      const embedded = await h.topic('tiles.embedded');
      assert.ok(later.every((t) => embedded.some((m) => m.id === t.id && m.model === b.id)));
      assert.ok(h.logs.some((r) => r.msg === 'embedder: the alias moved mid-batch; batch written to it too'));
      assert.equal(models.serving, b.id);
    } finally {
      await h.close();
    }
  });

  it('a restart with a damaged `latest` (edited metadata) still serves the alias’s model', async () => {
    const h = await openHarness('damaged-latest');
    try {
      const a = await h.checkpoint(1);
      await h.registry.promote(a.id);
      const first = h.models();
      await first.open();
      await first.close();
      const b = await h.checkpoint(2);
      const metaFile = path.join(await h.registry.checkpointDir(b.id), 'metadata.json');
      const meta = JSON.parse(await readFile(metaFile, 'utf8'));
      await writeFile(metaFile, JSON.stringify({ ...meta, metrics: { 'precision@10': 0.99 } }));
      await writeFile(
        path.join(h.registry.root, 'latest.json'),
        JSON.stringify({ id: b.id, promoted_at: new Date().toISOString(), previous: a.id }),
      );

      const models = h.models();
      await models.open();
      assert.equal(models.serving, a.id);
      assert.ok(h.logs.some((r) => r.level === 50 && String(r.err).includes('digest mismatch')));
      const embedder = h.embedder(models);
      embedder.start();
      const tiles = await h.harvest(0, 6);
      await embedder.untilIdle();
      await embedder.stop();
      assert.deepEqual(await h.ids(collectionForModel(a.id)), tiles.map((t) => t.id).sort());
    } finally {
      await h.close();
    }
  });

  it('a tampered checkpoint is refused with a clear log line, and the current model keeps serving', async () => {
    const h = await openHarness('tampered');
    try {
      const a = await h.checkpoint(1);
      await h.registry.promote(a.id);
      const models = h.models(30);
      await models.open();
      const embedder = h.embedder(models);
      embedder.start();
      await h.harvest(0, 8);
      await embedder.untilIdle();

      // a registry whose files changed after promotion: B's weights no longer match their recorded sha256
      const b = await h.checkpoint(2);
      const dir = await h.registry.checkpointDir(b.id);
      const weights = await readFile(path.join(dir, 'weights.bin'));
      weights[100] ^= 0xff;
      await writeFile(path.join(dir, 'weights.bin'), weights);
      await writeFile(
        path.join(h.registry.root, 'latest.json'),
        JSON.stringify({ id: b.id, promoted_at: new Date().toISOString(), previous: a.id }),
      );
      await eventually('the refusal', () =>
        h.logs.some((r) => r.level === 50 && r.model === b.id && String(r.msg).includes(`refusing checkpoint ${b.id}`)),
      );
      const refusal = h.logs.find((r) => String(r.msg).includes(`refusing checkpoint ${b.id}`))!;
      assert.match(String(refusal.err), /sha256 mismatch/);
      assert.equal(refusal.serving, a.id);

      const later = await h.harvest(8, 8);
      await embedder.untilIdle();
      await embedder.stop();
      assert.equal(await h.store.count(collectionForModel(a.id)), 16, 'A still embeds every new tile');
      assert.deepEqual(
        (await h.store.listCollections()).map((c) => c.name),
        [collectionForModel(a.id)],
      );
      assert.equal(models.pendingReembed(), undefined);
      const embedded = await h.topic('tiles.embedded');
      assert.ok(later.every((t) => embedded.some((m) => m.id === t.id && m.model === a.id)));
      assert.equal(h.logs.filter((r) => String(r.msg).includes('refusing checkpoint')).length, 1, 'said once');
    } finally {
      await h.close();
    }
  });
});
