import path from 'node:path';
import type { Registry } from 'prom-client';
import { createBlobStore, type BlobStore } from '../../shared/blob/index.js';
import { createBus } from '../../shared/bus/index.js';
import { blobStoreOptions, busOptions, type Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { HealthCheck } from '../../shared/metrics/index.js';
import { FsModelRegistry, MODELS_TOPIC, ensureServingCheckpoint } from '../../shared/model/registry/index.js';
import { TILE_BLOB_PREFIX } from '../../shared/tiles/index.js';
import {
  createTrainer,
  createTrainerMetrics,
  sampleWindowTiles,
  tileSampleView,
  type TileSample,
  type TileSampleOptions,
  type Trainer,
} from './lifecycle/index.js';
import { runTraining } from './train-run.js';
import type { TrainingSource } from './training-data.js';

export type { TileSample } from './lifecycle/index.js';

export interface TrainerService {
  trainer: Trainer;
  checks: HealthCheck[];
  /** stops the schedule, aborting a run in progress, then releases every adapter it opened */
  close(): Promise<void>;
}

/**
 * The trainer's composition root: opens exactly the adapters it uses (model registry, tile store, bus)
 * from the config, wires them into the periodic trainer and starts its schedule. `gibs-embed start` comes here.
 */
export async function openTrainerService(config: Config, log: Logger, registry: Registry): Promise<TrainerService> {
  const svcLog = log.child({ svc: 'trainer' });
  const models = new FsModelRegistry({ root: config.model.registryDir, log: svcLog });
  const bus = await createBus(busOptions(config), { logger: svcLog });
  const blobs = createBlobStore(blobStoreOptions(config));
  const release = async () => {
    const results = await Promise.allSettled([bus.close(), blobs.close(), models.close()]);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length) throw new AggregateError(failures, 'trainer: closing its adapters failed');
  };
  let trainer: Trainer;
  try {
    await bus.ensureTopics([MODELS_TOPIC]);
    const { trainer: slice } = config;
    trainer = createTrainer(
      {
        registry: models,
        blobs,
        bus,
        log: svcLog,
        metrics: createTrainerMetrics(registry),
        train: runTraining,
        // the same seeded checkpoint the embedders create, so whichever comes first, both serve one id
        ensureServing: () =>
          ensureServingCheckpoint(models, { seed: config.model.randomSeed, inputSize: config.model.inputSize }),
      },
      {
        ...slice,
        // the gate evaluates on the held-out places of the tile store's own files
        tilesDir: path.join(blobStoreOptions(config).root, TILE_BLOB_PREFIX),
        labeledDir: slice.labeledDir === '' ? undefined : path.resolve(slice.labeledDir),
        workDir: path.join(config.dataDir, 'trainer'),
      },
    );
    await trainer.start();
  } catch (error) {
    // the failure to start is what the caller sees; a failure to release on top of it is logged
    await release().catch((closeError: unknown) =>
      svcLog.warn({ err: closeError }, 'trainer: closing its adapters after a failed start failed'),
    );
    throw error;
  }
  let closed = false;
  return {
    trainer,
    // ready while open and scheduled
    checks: [{ name: 'trainer', check: async () => !closed && trainer.nextRun() !== null }],
    close: async () => {
      if (closed) return;
      closed = true;
      await trainer.stop();
      await release();
    },
  };
}

/**
 * The tile store narrowed to a window and/or a seeded sample, as a scheduled run selects it: for
 * `gibs-embed train --from-store --window-days N --sample N`.
 */
export async function sampledStoreSource(
  blobs: BlobStore,
  options: TileSampleOptions,
): Promise<{ source: TrainingSource; sample: TileSample }> {
  const sample = await sampleWindowTiles(blobs, options);
  return { source: { kind: 'store', blobs: tileSampleView(blobs, sample.keys) }, sample };
}
