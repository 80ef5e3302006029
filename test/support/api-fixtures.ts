import { rmSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createAlertStore } from '../../shared/alerts/index.js';
import { FsBlobStore } from '../../shared/blob/index.js';
import { SqliteBus } from '../../shared/bus/index.js';
import { alertStoreOptions, loadConfig, type Config } from '../../shared/config/index.js';
import { silentLogger } from '../../shared/log/index.js';
import { createMetricsRegistry } from '../../shared/metrics/index.js';
import { FsModelRegistry } from '../../shared/model/registry/index.js';
import { ModelEmbedders } from '../../shared/query/index.js';
import { SERVING_ALIAS, collectionForModel, createVectorStore, type TilePayload } from '../../shared/store/index.js';
import { buildApp, ApiKeyStore, type ApiDeps, type BuildAppOptions } from '../../services/api/index.js';
import { startReplayServer } from '../../services/replay/index.js';
import { kit } from './data-kit.js';
import { saveSmallCheckpoint } from './embedder-data-dir.js';
import { embedTiles, fetchReplayTiles, toPoint } from './search-fixtures.js';

export const MODIS = 'MODIS_Terra_CorrectedReflectance_TrueColor';
export const MARBLE = 'BlueMarble_ShadedRelief_Bathymetry';

/** One tile of the test index: what the store holds for it and its image bytes. */
export interface TestTile {
  id: string;
  payload: TilePayload;
  vector: Float32Array;
  bytes: Uint8Array;
}

export interface TestApi {
  /** built, not listening: use app.inject (or app.listen for a real socket) */
  app: FastifyInstance;
  /** the product's adapters, typed as the test opened them (the registry's checkpointDir, the SQLite bus) */
  deps: ApiDeps & { models: FsModelRegistry; bus: SqliteBus };
  dataDir: string;
  config: Config;
  /** the serving collection and its model (a small CNN at 32 px, promoted in the registry) */
  collection: string;
  model: string;
  /** the tiles in the index (empty with `empty: true`) */
  tiles: TestTile[];
  tileIds: string[];
  /** a key of each role, in deps.keys */
  keys: { read: string; write: string; admin: string };
  close(): Promise<void>;
}

export interface TestApiOptions {
  /** no collection, no alias: every search is INDEX_EMPTY (the model is still promoted in the registry) */
  empty?: boolean;
  app?: BuildAppOptions;
}

interface Template {
  dir: string;
  model: string;
  tiles: TestTile[];
}

/**
 * A data folder as the pipeline leaves it, built once per process and copied for each openTestApi: the replay's
 * real MODIS tiles (2016-01-24 z5, 2020-09-27 z0-z2) and Blue Marble z0-z2 (filed under 2020-09-20), 48 tiles,
 * embedded with a small promoted checkpoint exactly as the embedder does, their bytes in the tile store, the
 * collection named after the model and the serving alias on it.
 */
let template: Promise<Template> | undefined;

function buildTemplate(): Promise<Template> {
  template ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'api-template-'));
    // shared by every openTestApi of the process: removed when it exits
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const server = await startReplayServer({ dataDir: kit() });
    const fetched = await fetchReplayTiles(
      server,
      (t) => t.layer === MODIS || (t.layer === MARBLE && t.z <= 2),
    ).finally(() => server.close());
    const registry = new FsModelRegistry({ root: path.join(dir, 'models') });
    let model: string;
    let checkpointDir: string;
    try {
      const source = path.join(dir, 'small-checkpoint');
      const meta = await saveSmallCheckpoint(source, 11, '2026-11-01T00:00:00.000Z');
      await registry.publish(source);
      await registry.promote(meta.id);
      model = meta.id;
      checkpointDir = await registry.checkpointDir(model);
    } finally {
      await registry.close();
    }
    const vectors = await embedTiles(
      checkpointDir,
      fetched.map((t) => t.bytes),
    );
    const points = fetched.map((t, i) => toPoint(t, vectors[i], model));
    const blobs = new FsBlobStore({ root: path.join(dir, 'blobs'), fsync: false });
    const store = await createVectorStore({
      kind: 'lancedb',
      path: path.join(dir, 'vectors'),
      exactBelowSelectivity: 0.05,
      indexMinRows: 50_000,
      maintenanceIntervalMs: 60_000,
    });
    try {
      for (const [i, p] of points.entries()) await blobs.put(p.payload.tile_uri, fetched[i].bytes);
      await store.ensureCollection(collectionForModel(model), vectors[0].length);
      await store.upsert(collectionForModel(model), points);
      await store.setAlias(SERVING_ALIAS, collectionForModel(model));
    } finally {
      await store.close();
      await blobs.close();
    }
    return {
      dir,
      model,
      tiles: points.map((p, i) => ({ id: p.id, payload: p.payload, vector: p.vector, bytes: fetched[i].bytes })),
    };
  })();
  return template;
}

/**
 * The API over a fresh copy of the test data folder, with the product's own adapters (LanceDB, the fs tile store,
 * the SQLite alert store, bus and key store), a silent logger and its own metrics registry. `overrides` are config
 * keys, dotted (e.g. { 'api.openReads': 'never', 'api.rateLimit': 3 }).
 */
export async function openTestApi(
  overrides: Record<string, unknown> = {},
  options: TestApiOptions = {},
): Promise<TestApi> {
  const built = await buildTemplate();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'api-test-'));
  await cp(built.dir, dataDir, {
    recursive: true,
    filter: (source) => !(options.empty && source.startsWith(path.join(built.dir, 'vectors'))),
  });
  const config = loadConfig(
    {},
    {
      overrides: {
        dataDir,
        'log.level': 'silent',
        'model.inputSize': 32,
        'embedder.decodeWorkers': 0,
        'embedder.threads': 1,
        // tests send bursts from one address; the limiter's own test sets a small limit
        'api.rateLimit': 0,
        ...overrides,
      },
    },
  );
  const log = silentLogger();
  const releases: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const release of releases.splice(0).reverse()) await release();
  };
  try {
    const store = await createVectorStore({
      kind: 'lancedb',
      path: config.store.kind === 'lancedb' ? config.store.path : path.join(dataDir, 'vectors'),
      exactBelowSelectivity: 0.05,
      indexMinRows: 50_000,
      maintenanceIntervalMs: 60_000,
    });
    releases.push(() => store.close());
    const blobs = new FsBlobStore({ root: config.blobs.root, fsync: false });
    releases.push(() => blobs.close());
    const alerts = await createAlertStore(alertStoreOptions(config));
    releases.push(() => alerts.close());
    const models = new FsModelRegistry({ root: config.model.registryDir, log });
    releases.push(() => models.close());
    const bus = new SqliteBus({
      path: path.join(dataDir, 'bus.db'),
      defaultPartitions: 4,
      retention: { maxAgeMs: Infinity, maxBytes: Infinity },
    });
    await bus.open();
    releases.push(() => bus.close());
    const keys = ApiKeyStore.open(config.api.keysPath);
    releases.push(async () => keys.close());
    const embedders = new ModelEmbedders({ checkpointDir: (id) => models.checkpointDir(id), threads: 1, log });
    releases.push(() => embedders.close());
    const deps: TestApi['deps'] = {
      config,
      log,
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      store,
      blobs,
      alerts,
      models,
      embedders,
      keys,
      bus,
    };
    const app = await buildApp(deps, options.app);
    releases.push(() => app.close());
    const tiles = options.empty ? [] : built.tiles;
    return {
      app,
      deps,
      dataDir,
      config,
      collection: collectionForModel(built.model),
      model: built.model,
      tiles,
      tileIds: tiles.map((t) => t.id),
      keys: {
        read: keys.create('read', 'test read').key,
        write: keys.create('write', 'test write').key,
        admin: keys.create('admin', 'test admin').key,
      },
      close: async () => {
        try {
          await closeAll();
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await closeAll();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
