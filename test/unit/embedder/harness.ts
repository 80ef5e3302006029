import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../../shared/log/index.js';
import { FsBlobStore } from '../../../shared/blob/index.js';
import { SqliteBus, type TopicPayload } from '../../../shared/bus/index.js';
import { saveCheckpoint, type CheckpointMeta } from '../../../shared/model/checkpoint/index.js';
import { buildEncoderGraph, initWeights, smallCnn } from '../../../shared/model/encoder/index.js';
import { FsModelRegistry } from '../../../shared/model/registry/index.js';
import { createVectorStore, type VectorStore } from '../../../shared/store/index.js';
import {
  ModelSet,
  createEmbedder,
  openModelRuntime,
  type Embedder,
  type EmbedderDeps,
  type EmbedderMetrics,
  type EmbedderOptions,
} from '../../../services/embedder/index.js';
import { capturingLogger } from '../../support/model-fixtures.js';
import { harvestTiles, type FetchedTile } from '../../support/fetched-tiles.js';
import { readTopic } from '../../support/read-topic.js';

export { LAYER, TMS, realTiles, tileAddress, type FetchedTile } from '../../support/fetched-tiles.js';

/** the checkpoints' input side: small, so each test embeds in milliseconds */
export const INPUT_SIZE = 32;

export interface Harness {
  dir: string;
  bus: SqliteBus;
  blobs: FsBlobStore;
  store: VectorStore;
  registry: FsModelRegistry;
  log: Logger;
  logs: Array<Record<string, unknown>>;
  /** stores tiles from..from+n-1 in the tile store and produces their tiles.fetched records */
  harvest(from: number, n: number): Promise<FetchedTile[]>;
  /** a smallCnn checkpoint with He-normal weights of `seed`, published (not promoted) */
  checkpoint(seed: number, createdAt?: string): Promise<CheckpointMeta>;
  /** a ModelSet over the registry and store (runtimes with decodeWorkers 0) */
  models(pollMs?: number, metrics?: EmbedderMetrics): ModelSet;
  embedder(models: ModelSet, options?: Partial<EmbedderOptions>, deps?: Partial<EmbedderDeps>): Embedder;
  /** every record on a topic, parsed (read by a fresh group) */
  topic<T extends 'tiles.embedded' | 'tiles.dlq'>(name: T): Promise<Array<TopicPayload<T>>>;
  /** every id of a collection (scrolled) */
  ids(collection: string): Promise<string[]>;
  close(): Promise<void>;
}

export const fastOptions: EmbedderOptions = {
  groupId: 'embedders',
  batchSize: 8,
  lingerMs: 20,
  initialBackoffMs: 20,
  maxBackoffMs: 200,
  members: 1,
  idleWaitMs: 100,
};

export async function openHarness(name: string): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `embedder-${name}-`));
  const { log, records: logs } = capturingLogger();
  const bus = new SqliteBus({
    path: path.join(dir, 'bus.db'),
    defaultPartitions: 2,
    retention: { maxAgeMs: Infinity, maxBytes: Infinity },
    pollIntervalMs: 10,
  });
  await bus.open();
  await bus.ensureTopics([{ name: 'tiles.fetched' }, { name: 'tiles.embedded' }, { name: 'tiles.dlq' }]);
  const blobs = new FsBlobStore({ root: path.join(dir, 'blobs'), fsync: false });
  const store = await createVectorStore({
    kind: 'lancedb',
    path: path.join(dir, 'vectors'),
    exactBelowSelectivity: 0.05,
    indexMinRows: 50_000,
    maintenanceIntervalMs: 60_000,
  });
  const registry = new FsModelRegistry({ root: path.join(dir, 'models') });
  const opened: Array<{ close(): Promise<void> }> = [];
  let seq = 0;

  return {
    dir,
    bus,
    blobs,
    store,
    registry,
    log,
    logs,
    harvest: (from, n) => harvestTiles(bus, blobs, from, n),
    async checkpoint(seed, createdAt = `2026-11-0${1 + (seq % 9)}T00:00:00.000Z`) {
      const source = path.join(dir, `checkpoint-src-${seq++}`);
      await saveCheckpoint(source, {
        weights: initWeights(buildEncoderGraph(smallCnn), seed),
        meta: {
          parent: null,
          technique: 'simclr',
          arch: smallCnn,
          input_size: INPUT_SIZE,
          normalization: { mean: [0.3, 0.33, 0.36], std: [0.33, 0.31, 0.29] },
          data_window: { from: '2020-01-01', to: '2020-12-31', images: 100 },
          metrics: {},
          created_at: createdAt,
        },
      });
      return registry.publish(source);
    },
    models(pollMs = 50, metrics) {
      const set = new ModelSet(
        {
          source: registry,
          load: async (id) =>
            openModelRuntime(await registry.checkpointDir(id), {
              batchSize: 8,
              decodeWorkers: 0,
              threads: 1,
              executionProvider: 'cpu',
              log,
            }),
          store,
          log,
          metrics,
        },
        { pollMs },
      );
      opened.push(set);
      return set;
    },
    embedder(models, options = {}, deps = {}) {
      return createEmbedder({ bus, blobs, store, models, log, ...deps }, { ...fastOptions, ...options });
    },
    topic: (name) => readTopic(bus, name, { idleMs: 50 }),
    async ids(collection) {
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
      for (const o of opened.reverse()) await o.close();
      await store.close();
      await blobs.close();
      await registry.close();
      await bus.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** resolves once `predicate` holds, polling; rejects after `timeoutMs` with `what` */
export async function eventually(what: string, predicate: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
