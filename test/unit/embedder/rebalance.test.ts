import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { collectionForModel } from '../../../shared/store/index.js';
import { prepareBatch } from '../../../services/embedder/embed-batch.js';
import { writeBatch } from '../../../services/embedder/write-batch.js';
import { openHarness } from './harness.js';

describe('embedder: a partition moves to another member before the commit', () => {
  it('commits the partitions it still owns, leaves the moved one to its new owner, which redoes its records', async () => {
    const h = await openHarness('rebalance');
    try {
      const ckpt = await h.checkpoint(1);
      await h.registry.promote(ckpt.id);
      const models = h.models();
      await models.open();
      await h.harvest(0, 12);
      const a = h.bus.consumer({ groupId: 'embedders', topics: ['tiles.fetched'] });
      const records = await a.poll({ maxMessages: 100, timeoutMs: 1000 });
      assert.equal(records.length, 12);
      assert.deepEqual(new Set(records.map((r) => r.partition)), new Set([0, 1]), 'a owns both partitions');

      // b joins; on a's next look at the group a hands one partition over, and b claims it
      const b = h.bus.consumer({ groupId: 'embedders', topics: ['tiles.fetched'] });
      await b.assignment();
      const kept = (await a.assignment()).map((p) => p.partition);
      const movedTo = (await b.assignment()).map((p) => p.partition);
      assert.equal(kept.length, 1);
      assert.equal(movedTo.length, 1);

      const targets = models.acquire();
      const batch = await prepareBatch(records, targets, h.blobs, performance.now(), () => new Date());
      await writeBatch(batch, a, { bus: h.bus, store: h.store, models, log: h.log, now: () => new Date() });
      targets.release();
      assert.equal(await h.store.count(collectionForModel(ckpt.id)), 12, 'stored (idempotent by id)');

      const lag = await a.lag();
      const lagOf = (partition: number) => lag.find((p) => p.partition === partition)!.lag;
      assert.equal(lagOf(kept[0]), 0, 'the partition a still owns is committed');
      const movedRecords = records.filter((r) => r.partition === movedTo[0]);
      assert.equal(lagOf(movedTo[0]), movedRecords.length, 'the moved one is not');
      assert.ok(
        h.logs.some((r) => r.msg === 'embedder: partitions moved before commit; their new owner redoes their records'),
      );

      const redone = await b.poll({ maxMessages: 100, timeoutMs: 1000 });
      assert.deepEqual(
        redone.map((r) => r.offset),
        movedRecords.map((r) => r.offset),
        'the new owner reads them again',
      );
      await a.close();
      await b.close();
    } finally {
      await h.close();
    }
  });
});
