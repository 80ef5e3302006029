import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SqliteBus } from '../../../shared/bus/index.js';
import { collectBatch } from '../../../services/embedder/collect-batch.js';

let dir: string;
let bus: SqliteBus;
let seq = 0;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'collect-batch-'));
  bus = new SqliteBus({
    path: path.join(dir, 'bus.db'),
    defaultPartitions: 1,
    retention: { maxAgeMs: Infinity, maxBytes: Infinity },
    pollIntervalMs: 5,
  });
  await bus.open();
});
after(async () => {
  await bus.close();
  await rm(dir, { recursive: true, force: true });
});

async function topicWith(n: number): Promise<string> {
  const topic = `t${seq++}`;
  await bus.ensureTopics([{ name: topic }]);
  if (n > 0)
    await bus.produce(
      topic,
      Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    );
  return topic;
}

const never = new AbortController().signal;

describe('collectBatch: micro-batches by size and time', () => {
  it('closes a batch at batchSize records without waiting out the linger', async () => {
    const topic = await topicWith(20);
    const consumer = bus.consumer({ groupId: 'g', topics: [topic] });
    const t0 = performance.now();
    const batch = await collectBatch(consumer, { batchSize: 8, lingerMs: 5000, idleWaitMs: 1000, signal: never });
    assert.equal(batch.length, 8);
    assert.ok(performance.now() - t0 < 2000, 'did not wait for the linger');
    assert.deepEqual(
      batch.map((r) => r.offset),
      ['0', '1', '2', '3', '4', '5', '6', '7'],
    );
    const next = await collectBatch(consumer, { batchSize: 8, lingerMs: 5000, idleWaitMs: 1000, signal: never });
    assert.deepEqual(
      next.map((r) => r.offset),
      ['8', '9', '10', '11', '12', '13', '14', '15'],
    );
    await consumer.close();
  });

  it('closes a short batch lingerMs after its first record, taking what arrived meanwhile', async () => {
    const topic = await topicWith(3);
    const consumer = bus.consumer({ groupId: 'g', topics: [topic] });
    const late = setTimeout(() => void bus.produce(topic, [{ key: 'late', value: 'late' }]), 100);
    const t0 = performance.now();
    const batch = await collectBatch(consumer, { batchSize: 8, lingerMs: 400, idleWaitMs: 1000, signal: never });
    const waited = performance.now() - t0;
    clearTimeout(late);
    assert.equal(batch.length, 4, 'the record produced during the linger joined the batch');
    assert.ok(waited >= 380 && waited < 2000, `waited ${waited} ms`);
    await consumer.close();
  });

  it('returns an empty batch after idleWaitMs when nothing comes, and at once when stopped', async () => {
    const topic = await topicWith(0);
    const consumer = bus.consumer({ groupId: 'g', topics: [topic] });
    let t0 = performance.now();
    assert.deepEqual(await collectBatch(consumer, { batchSize: 8, lingerMs: 50, idleWaitMs: 150, signal: never }), []);
    assert.ok(performance.now() - t0 >= 140);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    t0 = performance.now();
    assert.deepEqual(
      await collectBatch(consumer, { batchSize: 8, lingerMs: 50, idleWaitMs: 10_000, signal: stop.signal }),
      [],
    );
    assert.ok(performance.now() - t0 < 2000, 'the abort ended the wait');
    await consumer.close();
  });

  it('keeps the records already polled when stopped during the linger (they must still be processed)', async () => {
    const topic = await topicWith(2);
    const consumer = bus.consumer({ groupId: 'g', topics: [topic] });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 50);
    const batch = await collectBatch(consumer, {
      batchSize: 8,
      lingerMs: 10_000,
      idleWaitMs: 1000,
      signal: stop.signal,
    });
    assert.deepEqual(
      batch.map((r) => r.key),
      ['k0', 'k1'],
    );
    await consumer.close();
  });
});
