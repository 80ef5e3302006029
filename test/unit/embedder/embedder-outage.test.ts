import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collectionForModel, storeError, storeErrorCodes, type VectorStore } from '../../../shared/store/index.js';
import { eventually, openHarness, type Harness } from './harness.js';

/**
 * The REAL store behind a switch: while `down`, upsert fails as an unreachable store does (retriable
 * STORE_UNAVAILABLE); while `gate` is set, upserts wait for it. The thing under test is the embedder's pause logic.
 */
function switchableStore(inner: VectorStore) {
  const state = { down: false, failures: 0, upserts: 0, gate: undefined as Promise<void> | undefined };
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'upsert')
        return async (...args: Parameters<VectorStore['upsert']>) => {
          if (state.down) {
            state.failures++;
            throw storeError(storeErrorCodes.unavailable, 'store unreachable (test outage)', { retriable: true });
          }
          state.upserts++;
          await state.gate;
          return target.upsert(...args);
        };
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { store, state };
}

async function groupLag(h: Harness): Promise<number> {
  const check = h.bus.consumer({ groupId: 'embedders', topics: ['tiles.fetched'] });
  // lag() reads the group's committed offsets without joining, so the members keep their partitions
  const lag = (await check.lag()).reduce((sum, p) => sum + p.lag, 0);
  await check.close();
  return lag;
}

describe('embedder: outages and shutdown', () => {
  it('pauses on a store outage with growing waits, commits nothing meanwhile, and resumes without losing a tile', async () => {
    const h = await openHarness('outage');
    try {
      const ckpt = await h.checkpoint(1);
      await h.registry.promote(ckpt.id);
      const models = h.models();
      await models.open();
      const { store, state } = switchableStore(h.store);
      state.down = true;
      const tiles = await h.harvest(0, 12);
      const embedder = h.embedder(models, { initialBackoffMs: 10, maxBackoffMs: 80 }, { store });
      embedder.start();
      await eventually('several failed writes', () => state.failures >= 5);
      const collection = collectionForModel(ckpt.id);
      assert.equal(await h.store.count(collection), 0);
      assert.equal(await groupLag(h), 12, 'nothing committed during the outage');
      assert.deepEqual(await h.topic('tiles.embedded'), [], 'nothing produced before the vectors are stored');
      const waits = h.logs
        .filter((r) => r.code === storeErrorCodes.unavailable && r.what === 'writing a batch')
        .map((r) => r.delayMs as number);
      assert.ok(waits.length >= 4, 'each wait is logged');
      assert.ok(waits[3] > waits[0], `the waits grow: ${waits.join(', ')}`);
      assert.ok(
        waits.every((w) => w <= 80),
        `and are capped: ${waits.join(', ')}`,
      );

      state.down = false;
      await embedder.untilIdle();
      await embedder.stop();
      assert.deepEqual(await h.ids(collection), tiles.map((t) => t.id).sort());
      assert.equal(new Set((await h.topic('tiles.embedded')).map((m) => m.id)).size, 12);
      assert.deepEqual(await h.topic('tiles.dlq'), [], 'an outage is never a DLQ reason');
      assert.ok(h.logs.some((r) => r.msg === 'embedder: resumed'));
    } finally {
      await h.close();
    }
  });

  it('stop() finishes the batches in flight (store, produce, commit), then stops polling', async () => {
    const h = await openHarness('drain');
    try {
      const ckpt = await h.checkpoint(1);
      await h.registry.promote(ckpt.id);
      const models = h.models();
      await models.open();
      const { store, state } = switchableStore(h.store);
      let open!: () => void;
      state.gate = new Promise<void>((resolve) => (open = resolve));
      await h.harvest(0, 40);
      const embedder = h.embedder(models, { batchSize: 8 }, { store });
      embedder.start();
      await eventually('a batch waiting in upsert', () => state.upserts >= 1);
      const stopped = embedder.stop();
      setTimeout(open, 100);
      await stopped;

      const collection = collectionForModel(ckpt.id);
      const stored = await h.store.count(collection);
      const lag = await groupLag(h);
      assert.ok(stored >= 8 && stored % 8 === 0, `whole batches were finished: ${stored}`);
      assert.equal(stored + lag, 40, 'what was stored is exactly what was committed');
      assert.ok(lag > 0, 'it stopped instead of draining the topic');
      assert.equal((await h.topic('tiles.embedded')).length, stored, 'the finished batches were produced');
      assert.equal(embedder.healthy(), false);
    } finally {
      await h.close();
    }
  });
});
