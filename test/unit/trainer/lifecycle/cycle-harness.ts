import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { FsBlobStore } from '../../../../shared/blob/index.js';
import type { Bus } from '../../../../shared/bus/index.js';
import { FsModelRegistry, ensureServingCheckpoint } from '../../../../shared/model/registry/index.js';
import {
  createTrainer,
  createTrainerMetrics,
  type PeriodicTrainerConfig,
  type Trainer,
  type TrainerMetrics,
} from '../../../../services/trainer/lifecycle/index.js';
import { runTraining } from '../../../../services/trainer/index.js';
import { openModelsBus } from './bus-reader.js';
import { fillMosaicTileStore, type MosaicTileStore } from './mosaic-tile-store.js';
import { TINY_INPUT, tinyResnet } from '../../../support/serving-fixtures.js';

/** The day the tests' runs think it is: the kit's MODIS tiles (2020-09-27) are 3 days old. */
export const NOW = new Date('2020-09-30T12:00:00Z');
export const OLD_DATE = '2020-08-01';

/** One tile store of real imagery shared by a test file: 40 training cells and 60 held-out ones, plus old copies. */
export async function openSharedStore(work: string): Promise<{ blobs: FsBlobStore; store: MosaicTileStore }> {
  const blobs = new FsBlobStore({ root: path.join(work, 'blobs'), fsync: false });
  const store = await fillMosaicTileStore(blobs, { cells: { train: 40, eval: 60 }, dates: ['2020-09-27'], size: 128 });
  // the same training tiles dated outside the window: a run must not train on them
  for (const key of store.keys.filter((k) => store.cells.train.some((c) => k.endsWith(`/5/${c.row}/${c.col}.jpg`)))) {
    await blobs.put(key.replace('/2020-09-27/', `/${OLD_DATE}/`), (await blobs.get(key))!);
  }
  return { blobs, store };
}

export interface CycleHarness {
  trainer: Trainer;
  registry: FsModelRegistry;
  bus: Bus;
  metrics: TrainerMetrics;
  config: PeriodicTrainerConfig;
  /** the JSON log lines written so far */
  logs: Array<Record<string, unknown> & { msg: string }>;
  count(outcome: string): Promise<number>;
  runFolders(): Promise<string[]>;
  close(): Promise<void>;
}

let seq = 0;

/** A periodic trainer on a fresh registry, bus and work folder, over the shared tile store, with tiny training. */
export async function openHarness(
  work: string,
  blobs: FsBlobStore,
  overrides: Partial<PeriodicTrainerConfig> = {},
): Promise<CycleHarness> {
  const dir = await mkdtemp(path.join(work, `harness-${seq++}-`));
  const registry = new FsModelRegistry({ root: path.join(dir, 'registry') });
  const bus = await openModelsBus(path.join(dir, 'bus.db'));
  const logs: CycleHarness['logs'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const log = pino({ level: 'info' }, sink);
  const metrics = createTrainerMetrics(new Registry());
  const config: PeriodicTrainerConfig = {
    schedule: '0 3 * * 0',
    timezone: 'UTC',
    runOnStart: false,
    windowDays: 7,
    sampleSize: 64,
    minTiles: 10,
    technique: 'simclr',
    steps: 20,
    batchSize: 8,
    workers: 1,
    promotionMargin: 0,
    seed: 1,
    tilesDir: path.join(work, 'blobs', 'tiles'),
    workDir: path.join(dir, 'trainer'),
    ...overrides,
  };
  const trainer = createTrainer(
    {
      registry,
      blobs,
      bus,
      log,
      metrics,
      train: runTraining,
      ensureServing: () => ensureServingCheckpoint(registry, { seed: 0, arch: tinyResnet, inputSize: TINY_INPUT }),
      now: () => NOW,
    },
    config,
  );
  return {
    trainer,
    registry,
    bus,
    metrics,
    config,
    logs,
    count: async (outcome) => (await metrics.runs.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0,
    runFolders: async () => readdir(config.workDir).catch(() => []),
    close: async () => {
      await trainer.stop();
      await Promise.all([registry.close(), bus.close()]);
    },
  };
}

export async function removeWork(work: string): Promise<void> {
  await rm(work, { recursive: true, force: true });
}

export const tmpWork = (prefix: string) => mkdtemp(path.join(os.tmpdir(), prefix));
