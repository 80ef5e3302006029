import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { SqliteBus, nextOffsets, type OutgoingMessage, type TopicPayload } from '../../shared/bus/index.js';
import type { BenchResult, BenchSuite } from './bench-result.js';

/**
 * The embedded bus: produce throughput at several batch sizes (each call one fsynced transaction), and
 * consume + commit throughput of one group member reading 1000-record batches. Values are ~330-byte
 * `tiles.fetched` JSON payloads, the harvester's real traffic.
 */
function fetchedMessage(i: number): OutgoingMessage {
  const payload: TopicPayload<'tiles.fetched'> = {
    v: 1,
    id: randomUUID(),
    layer: 'MODIS_Terra_CorrectedReflectance_TrueColor',
    date: '2026-07-01',
    tms: '250m',
    z: 6,
    row: i % 40,
    col: i % 80,
    bbox: [-180 + (i % 80) * 4.5, 90 - (i % 40) * 4.5 - 4.5, -180 + (i % 80) * 4.5 + 4.5, 90 - (i % 40) * 4.5],
    blob_key: `tiles/MODIS_Terra_CorrectedReflectance_TrueColor/2026-07-01/6/${i % 40}/${i % 80}.jpg`,
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    bytes: 48_213,
    content_type: 'image/jpeg',
    fetched_at: '2026-07-01T12:00:00.000Z',
  };
  return { key: payload.id, value: JSON.stringify(payload) };
}

export const benchBus: BenchSuite = async ({ quick, workDir }) => {
  const dir = await mkdtemp(path.join(workDir, 'bus-bench-'));
  const bus = new SqliteBus({
    path: path.join(dir, 'bus.db'),
    defaultPartitions: 4,
    retention: { maxAgeMs: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY },
  });
  const results: BenchResult[] = [];
  try {
    await bus.open();
    await bus.ensureTopics([{ name: 'tiles.fetched' }]);
    const valueBytes = Buffer.byteLength(fetchedMessage(0).value as string);
    const total = quick ? 10_000 : 60_000;
    const rates = new Map<number, number>();
    for (const batch of [1, 100, 1000]) {
      // single-message calls are fsync-bound: measure fewer of them
      const count = batch === 1 ? (quick ? 200 : 1000) : total;
      const batches = Array.from({ length: Math.ceil(count / batch) }, (_, b) =>
        Array.from({ length: Math.min(batch, count - b * batch) }, (_, i) => fetchedMessage(b * batch + i)),
      );
      const started = process.hrtime.bigint();
      for (const messages of batches) await bus.produce('tiles.fetched', messages);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      rates.set(batch, count / seconds);
      results.push({
        suite: 'bus',
        name: `produce sqlite batch=${batch}`,
        value: Math.round(count / seconds),
        unit: 'msgs/s',
        ...(batch === 1000
          ? { ratio: { baseline: 'produce sqlite batch=100', value: count / seconds / (rates.get(100) ?? 1) } }
          : {}),
        params: { messages: count, valueBytes, partitions: 4, synchronous: 'FULL' },
      });
    }

    const inLog = [...rates.keys()].reduce((n, b) => n + (b === 1 ? (quick ? 200 : 1000) : total), 0);
    const consumer = bus.consumer({ groupId: 'bench', topics: ['tiles.fetched'] });
    let read = 0;
    let commits = 0;
    const started = process.hrtime.bigint();
    while (read < inLog) {
      const records = await consumer.poll({ maxMessages: 1000, timeoutMs: 1000 });
      if (records.length === 0) throw new Error(`consumer stalled at ${read} of ${inLog}`);
      await consumer.commit(nextOffsets(records));
      read += records.length;
      commits += 1;
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    results.push({
      suite: 'bus',
      name: 'consume+commit sqlite batch=1000',
      value: Math.round(read / seconds),
      unit: 'msgs/s',
      ratio: { baseline: 'produce sqlite batch=1000', value: read / seconds / (rates.get(1000) ?? 1) },
      params: { messages: read, commits, valueBytes, partitions: 4 },
    });
    await consumer.close();
    return results;
  } finally {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  }
};
