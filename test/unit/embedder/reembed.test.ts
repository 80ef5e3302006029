import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { AbortedError, AppError } from '../../../shared/errors/index.js';
import { SERVING_ALIAS, collectionForModel, type VectorStore } from '../../../shared/store/index.js';
import type { CheckpointMeta } from '../../../shared/model/checkpoint/index.js';
import {
  embedderErrorCodes,
  loadProgress,
  openModelRuntime,
  runReembed,
  tryReembedLock,
  type ModelRuntime,
  type ReembedOptions,
} from '../../../services/embedder/index.js';
import { openHarness, type FetchedTile, type Harness } from './harness.js';

let h: Harness;
let a: CheckpointMeta;
let tiles: FetchedTile[];
const runtimes: ModelRuntime[] = [];

/** the real store, counting the points written into each collection */
function countingStore(inner: VectorStore) {
  const written = new Map<string, number>();
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'upsert')
        return async (...args: Parameters<VectorStore['upsert']>) => {
          await target.upsert(...args);
          written.set(args[0], (written.get(args[0]) ?? 0) + args[1].length);
        };
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...x: unknown[]) => unknown).bind(target) : value;
    },
  }) as VectorStore;
  return { store, written };
}

async function runtimeOf(meta: CheckpointMeta): Promise<ModelRuntime> {
  const runtime = await openModelRuntime(await h.registry.checkpointDir(meta.id), {
    batchSize: 8,
    decodeWorkers: 0,
    threads: 1,
    executionProvider: 'cpu',
    log: h.log,
  });
  runtimes.push(runtime);
  return runtime;
}

const files = () => ({
  lockFile: path.join(h.dir, 'reembed', 'lock.db'),
  progressFile: path.join(h.dir, 'reembed', 'progress.json'),
});
const options = (extra: Partial<ReembedOptions> = {}): ReembedOptions => ({
  ...files(),
  pageSize: 8,
  initialBackoffMs: 10,
  maxBackoffMs: 100,
  ...extra,
});

before(async () => {
  h = await openHarness('reembed');
  a = await h.checkpoint(1);
  await h.registry.promote(a.id);
  const models = h.models();
  await models.open();
  const embedder = h.embedder(models);
  embedder.start();
  tiles = await h.harvest(0, 40);
  await embedder.untilIdle();
  await embedder.stop();
});
after(async () => {
  for (const r of runtimes) await r.close();
  await h.close();
});

describe('re-embed job', () => {
  it('stopped halfway, a second run resumes where the first stopped, then moves the alias; it produces nothing', async () => {
    const b = await h.checkpoint(2);
    await h.registry.promote(b.id);
    const model = await runtimeOf(b);
    const colA = collectionForModel(a.id);
    const colB = collectionForModel(b.id);
    const embeddedBefore = (await h.topic('tiles.embedded')).length;

    const first = countingStore(h.store);
    const stop = new AbortController();
    await assert.rejects(
      runReembed(
        { store: first.store, blobs: h.blobs, model, log: h.log },
        options({ signal: stop.signal, onProgress: (p) => p.done >= 16 && stop.abort() }),
      ),
      (e) => e instanceof AbortedError && e.message.includes('progress saved'),
    );
    const saved = await loadProgress(files().progressFile);
    assert.equal(saved?.model, b.id);
    assert.equal(saved?.source, colA);
    assert.equal(saved?.reembedded, 16);
    assert.equal(saved?.after, tiles.map((t) => t.id).sort()[15], 'progress: the last id done');
    assert.equal(first.written.get(colB), 16);
    assert.equal(await h.store.getAlias(SERVING_ALIAS), colA, 'an unfinished job leaves the alias alone');

    const second = countingStore(h.store);
    const progress: number[] = [];
    const summary = await runReembed(
      { store: second.store, blobs: h.blobs, model, log: h.log },
      options({ onProgress: (p) => progress.push(p.done) }),
    );
    assert.equal(second.written.get(colB), 24, 'only the tiles the first run had not done');
    assert.ok(progress[0] > 16, 'it started where the first stopped');
    assert.deepEqual(
      { switched: summary.switched, total: summary.total, reembedded: summary.reembedded, skipped: summary.skipped },
      { switched: true, total: 40, reembedded: 40, skipped: 0 },
    );
    assert.equal(await h.store.getAlias(SERVING_ALIAS), colB);
    assert.deepEqual(await h.ids(colB), await h.ids(colA));
    const ids = tiles.slice(0, 5).map((t) => t.id);
    const [olds, news] = [await h.store.get(colA, ids), await h.store.get(colB, ids)];
    for (const old of olds) {
      const fresh = news.find((p) => p.id === old.id)!;
      assert.deepEqual(fresh.payload, { ...old.payload, model: b.id }, 'the same payload but for the model');
    }
    await assert.rejects(access(files().progressFile), 'progress is removed once done');
    assert.equal((await h.topic('tiles.embedded')).length, embeddedBefore, 'a re-embedding is not new imagery');

    const again = await runReembed({ store: h.store, blobs: h.blobs, model, log: h.log }, options());
    assert.equal(again.alreadyServing, true, 'running it again is a no-op');
  });

  it('refuses to run while another job holds the lock, writing nothing', async () => {
    const c = await h.checkpoint(3);
    const lock = tryReembedLock(files().lockFile)!;
    try {
      const counted = countingStore(h.store);
      await assert.rejects(
        runReembed({ store: counted.store, blobs: h.blobs, model: await runtimeOf(c), log: h.log }, options()),
        (e) => e instanceof AppError && e.code === embedderErrorCodes.reembedLocked && e.retriable,
      );
      assert.equal(counted.written.size, 0);
      assert.equal(await h.store.collectionInfo(collectionForModel(c.id)), undefined);
    } finally {
      lock.release();
    }
  });

  it('a tile whose bytes are gone keeps the alias where it is and names the tile; once they are back it completes', async () => {
    const d = await h.checkpoint(4);
    const serving = await h.store.getAlias(SERVING_ALIAS);
    const lost = tiles[5];
    const bytes = (await h.blobs.get(lost.blob_key))!;
    await h.blobs.delete(lost.blob_key);
    const model = await runtimeOf(d);
    await assert.rejects(
      runReembed({ store: h.store, blobs: h.blobs, model, log: h.log }, options()),
      (e) =>
        e instanceof AppError &&
        e.code === embedderErrorCodes.reembedIncomplete &&
        e.message.includes(lost.id) &&
        e.message.includes(embedderErrorCodes.blobMissing),
    );
    assert.equal(await h.store.getAlias(SERVING_ALIAS), serving);
    assert.equal(await h.store.count(collectionForModel(d.id)), 39);
    const saved = await loadProgress(files().progressFile);
    assert.deepEqual(
      saved?.failures.map((f) => f.id),
      [lost.id],
    );

    await h.blobs.put(lost.blob_key, bytes);
    const counted = countingStore(h.store);
    const summary = await runReembed({ store: counted.store, blobs: h.blobs, model, log: h.log }, options());
    assert.equal(summary.switched, true);
    assert.equal(counted.written.get(collectionForModel(d.id)), 1, 'only the missing tile was embedded');
    assert.equal(await h.store.getAlias(SERVING_ALIAS), collectionForModel(d.id));
  });
});
