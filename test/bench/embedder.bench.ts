/**
 * The embedder end to end — tiles.fetched on the embedded bus → tile store read → decode → ONNX → LanceDB upsert →
 * tiles.embedded → commit — against the raw decode + ONNX rate of the same model on the same tiles (the shared
 * ImageEmbedder alone, same decode workers and threads, driven as `embed-images` drives it). The ratio is what the
 * service costs on top of inference (target ≥ 0.9).
 *
 * The two are measured in alternating rounds and the median of the per-round ratios is reported: on a shared
 * 2-core machine the load of other processes drifts by a factor of two within a minute, far more than the
 * difference being measured, and alternating puts both sides under the same drift.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { FsBlobStore } from '../../shared/blob/index.js';
import { SqliteBus, produceTyped, type BusConsumer, type TopicPayload } from '../../shared/bus/index.js';
import { sha256Hex } from '../../shared/fs/index.js';
import { listImageFiles } from '../../shared/model/image/index.js';
import { FsModelRegistry, ensureServingCheckpoint } from '../../shared/model/registry/index.js';
import { silentLogger } from '../../shared/log/index.js';
import { createVectorStore } from '../../shared/store/index.js';
import { ModelSet, createEmbedder, openModelRuntime } from '../../services/embedder/index.js';
import { tileAddress } from '../support/fetched-tiles.js';
import type { BenchOptions, BenchResult, BenchSuite } from './bench-result.js';

interface Setting {
  size: number;
  batch: number;
  decodeWorkers: number;
  members: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const benchEmbedder: BenchSuite = async (options: BenchOptions): Promise<BenchResult[]> => {
  const { quick, workDir } = options;
  // the harvest workload: 512 px EPSG:4326 GIBS tiles and the OnEarth samples (as in the infer bench)
  const files = [
    ...(await listImageFiles(path.join(options.dataDir, 'gibs/tiles/epsg4326'))),
    ...(await listImageFiles(path.join(options.dataDir, 'gibs/tiles/other'))),
  ];
  const images = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(f.path))));
  const rounds = quick ? 3 : 5;
  const perRound = quick ? 160 : 384;
  // the default configuration first (model.inputSize 128, embedder batchSize 32, decodeWorkers 1, one member)
  const settings: Setting[] = quick
    ? [{ size: 128, batch: 32, decodeWorkers: 1, members: 1 }]
    : [
        { size: 128, batch: 32, decodeWorkers: 1, members: 1 },
        { size: 128, batch: 32, decodeWorkers: 1, members: 2 },
        { size: 128, batch: 32, decodeWorkers: 2, members: 1 },
        { size: 64, batch: 32, decodeWorkers: 1, members: 1 },
      ];
  const results: BenchResult[] = [];
  let run = 0;
  for (const setting of settings) {
    const dir = path.join(workDir, `run-${run++}`);
    const log = silentLogger();
    const registry = new FsModelRegistry({ root: path.join(dir, 'models') });
    const latest = await ensureServingCheckpoint(registry, { seed: 1, inputSize: setting.size });
    const runtimeOptions = {
      batchSize: setting.batch,
      decodeWorkers: setting.decodeWorkers,
      threads: 0,
      executionProvider: 'cpu' as const,
      log,
    };
    const bus = new SqliteBus({
      path: path.join(dir, 'bus.db'),
      defaultPartitions: 4,
      retention: { maxAgeMs: Infinity, maxBytes: Infinity },
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
    const models = new ModelSet(
      {
        source: registry,
        load: async (id) => openModelRuntime(await registry.checkpointDir(id), runtimeOptions),
        store,
        log,
      },
      { pollMs: 2000 },
    );
    const raw = await openModelRuntime(await registry.checkpointDir(latest.id), runtimeOptions);
    try {
      await models.open();
      const embedder = createEmbedder(
        { bus, blobs, store, models, log },
        {
          groupId: 'embedders',
          batchSize: setting.batch,
          lingerMs: 250,
          initialBackoffMs: 500,
          maxBackoffMs: 30_000,
          members: setting.members,
        },
      );
      const check = bus.consumer({ groupId: 'embedders', topics: ['tiles.fetched'] });
      embedder.start();
      let next = 0;
      /** `n` new tiles (distinct ids) in the tile store, as tiles.fetched messages not yet produced */
      const harvest = async (n: number) => {
        const messages: Array<{ key: string; value: TopicPayload<'tiles.fetched'> }> = [];
        for (let k = 0; k < n; k++, next++) {
          const bytes = images[next % images.length];
          const value = {
            ...tileAddress(next),
            sha256: sha256Hex(bytes),
            bytes: bytes.byteLength,
            fetched_at: new Date().toISOString(),
          };
          await blobs.put(value.blob_key, bytes);
          messages.push({ key: value.id, value });
        }
        return messages;
      };
      // warm-up of both paths (JIT, the table's first fragment)
      await raw.embed(images);
      await produceTyped(bus, 'tiles.fetched', await harvest(setting.batch * 2));
      await untilLagZero(check);

      const rawRates: number[] = [];
      const e2eRates: number[] = [];
      const ratios: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const tiles = Array.from({ length: perRound }, (_, i) => images[(r * perRound + i) % images.length]);
        const chunk = setting.batch * 4;
        let t0 = performance.now();
        for (let i = 0; i < tiles.length; i += chunk) await raw.embed(tiles.slice(i, i + chunk));
        const rawRate = perRound / ((performance.now() - t0) / 1000);

        const messages = await harvest(perRound);
        t0 = performance.now();
        await produceTyped(bus, 'tiles.fetched', messages);
        await untilLagZero(check);
        const e2eRate = perRound / ((performance.now() - t0) / 1000);
        rawRates.push(rawRate);
        e2eRates.push(e2eRate);
        ratios.push(e2eRate / rawRate);
      }
      await embedder.stop();
      await check.close();
      const params = {
        size: setting.size,
        batch: setting.batch,
        decodeWorkers: setting.decodeWorkers,
        rounds,
        tilesPerRound: perRound,
      };
      results.push({
        suite: 'embedder',
        name: `decode+onnx raw (ImageEmbedder) ${setting.size}px decodeWorkers=${setting.decodeWorkers}`,
        value: median(rawRates),
        unit: 'img/s',
        params,
      });
      results.push({
        suite: 'embedder',
        name: `embedder end to end ${setting.size}px members=${setting.members} decodeWorkers=${setting.decodeWorkers}`,
        value: median(e2eRates),
        unit: 'img/s',
        params: { ...params, members: setting.members, ratios: ratios.map((x) => x.toFixed(3)).join(' ') },
        ratio: { baseline: 'raw decode+onnx (same run, median of alternating rounds)', value: median(ratios) },
      });
    } finally {
      await raw.close();
      await models.close();
      await store.close();
      await blobs.close();
      await bus.close();
      await registry.close();
    }
  }
  return results;
};

/** resolves the moment the group has committed every record (looked at every 10 ms) */
async function untilLagZero(consumer: BusConsumer): Promise<void> {
  for (;;) {
    if ((await consumer.lag()).every((p) => p.lag === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
