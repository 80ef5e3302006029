import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SqliteBus, createBus, parseRecord, type Bus, type TopicPayload } from '../../shared/bus/index.js';
import { FsBlobStore } from '../../shared/blob/index.js';
import { saveCheckpoint } from '../../shared/model/checkpoint/index.js';
import { buildEncoderGraph, initWeights, smallCnn } from '../../shared/model/encoder/index.js';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import { createVectorStore, type VectorStore } from '../../shared/store/index.js';
import { harvestTiles, type FetchedTile } from './fetched-tiles.js';

/**
 * What a harvester leaves in a data folder for tiles from..from+n-1 (tile bytes + tiles.fetched), written with the
 * product's own adapters on the paths the default config uses; the bus has the default 4 partitions.
 */
export async function harvestInto(dataDir: string, from: number, n: number): Promise<FetchedTile[]> {
  const bus = new SqliteBus({
    path: path.join(dataDir, 'bus.db'),
    defaultPartitions: 4,
    retention: { maxAgeMs: Infinity, maxBytes: Infinity },
  });
  await bus.open();
  const blobs = new FsBlobStore({ root: path.join(dataDir, 'blobs'), fsync: false });
  try {
    await bus.ensureTopics([{ name: 'tiles.fetched' }]);
    return await harvestTiles(bus, blobs, from, n);
  } finally {
    await blobs.close();
    await bus.close();
  }
}

/** What a data folder holds once the commands have exited, read with the product's own adapters. */
export async function inspectDataDir(dataDir: string) {
  const bus: Bus = await createBus({
    kind: 'sqlite',
    path: path.join(dataDir, 'bus.db'),
    defaultPartitions: 4,
    retention: { maxAgeMs: Infinity, maxBytes: Infinity },
  });
  const store: VectorStore = await createVectorStore({
    kind: 'lancedb',
    path: path.join(dataDir, 'vectors'),
    exactBelowSelectivity: 0.05,
    indexMinRows: 50_000,
    maintenanceIntervalMs: 60_000,
  });
  let seq = 0;
  return {
    store,
    async topic<T extends 'tiles.fetched' | 'tiles.embedded' | 'tiles.dlq'>(name: T) {
      const consumer = bus.consumer({ groupId: `inspect-${seq++}`, topics: [name] });
      const out: Array<TopicPayload<T>> = [];
      for (;;) {
        const records = await consumer.poll({ maxMessages: 1000, timeoutMs: 50 });
        if (records.length === 0) break;
        for (const r of records) {
          const parsed = parseRecord(name, r);
          if (parsed.ok) out.push(parsed.value);
        }
      }
      await consumer.close();
      return out;
    },
    /** the embedder group's lag on tiles.fetched, all partitions */
    async lag() {
      const consumer = bus.consumer({ groupId: 'embedders', topics: ['tiles.fetched'] });
      const total = (await consumer.lag()).reduce((sum, p) => sum + p.lag, 0);
      await consumer.close();
      return total;
    },
    async ids(collection: string) {
      const ids: string[] = [];
      let after: string | undefined;
      do {
        const page = await store.scroll(collection, { after, limit: 1000 });
        ids.push(...page.points.map((p) => p.id));
        after = page.next;
      } while (after !== undefined);
      return ids;
    },
    async close() {
      await store.close();
      await bus.close();
    },
  };
}

/**
 * The environment for `gibs-embed` on `dataDir` with a small, fast setup: a small trained-looking encoder already
 * promoted in the registry (32 px), decoding on the main thread (no worker to start per process), and `extra`.
 */
export async function fastEnv(dataDir: string, extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const registry = new FsModelRegistry({ root: path.join(dataDir, 'models') });
  try {
    if ((await registry.latest()) === undefined) {
      const source = path.join(dataDir, 'small-checkpoint');
      const meta = await saveSmallCheckpoint(source, 11, '2026-11-01T00:00:00.000Z');
      await registry.publish(source);
      await registry.promote(meta.id);
    }
  } finally {
    await registry.close();
  }
  const file = path.join(dataDir, 'fast-config.json');
  await writeFile(file, JSON.stringify({ model: { inputSize: 32 }, embedder: { decodeWorkers: 0 } }));
  return { GIBS_EMBED_DATA_DIR: dataDir, GIBS_EMBED_CONFIG: file, ...extra };
}

/** A small-CNN checkpoint (32 px, seeded weights) written to `dir`, as a trained one would be. */
export function saveSmallCheckpoint(dir: string, seed: number, createdAt: string) {
  return saveCheckpoint(dir, {
    weights: initWeights(buildEncoderGraph(smallCnn), seed),
    meta: {
      parent: null,
      technique: 'simclr',
      arch: smallCnn,
      input_size: 32,
      normalization: { mean: [0.3, 0.33, 0.36], std: [0.33, 0.31, 0.29] },
      data_window: { from: '2020-01-01', to: '2020-12-31', images: 100 },
      metrics: {},
      created_at: createdAt,
    },
  });
}
