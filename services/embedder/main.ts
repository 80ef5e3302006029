import path from 'node:path';
import type { Registry } from 'prom-client';
import { createBlobStore, type BlobStore } from '../../shared/blob/index.js';
import { createBus } from '../../shared/bus/index.js';
import { blobStoreOptions, busOptions, vectorStoreOptions, type Config } from '../../shared/config/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { HealthCheck } from '../../shared/metrics/index.js';
import { AppError } from '../../shared/errors/index.js';
import { checkpointErrorCodes } from '../../shared/model/checkpoint/index.js';
import {
  FsModelRegistry,
  ensureServingCheckpoint,
  registryErrorCodes,
  resolveCheckpointDir,
} from '../../shared/model/registry/index.js';
import { SERVING_ALIAS, collectionForModel, createVectorStore, type VectorStore } from '../../shared/store/index.js';
import { ReleaseStack } from '../../shared/lifecycle/index.js';
import type { CrashHook } from './crash-hook.js';
import { createEmbedder, FETCHED_TOPIC, type Embedder } from './embedder.js';
import { createEmbedderMetrics, type EmbedderMetrics } from './embedder-metrics.js';
import { openModelRuntime, type ModelRuntime } from './model-runtime.js';
import { ModelSet } from './model-set.js';
import { runReembed, type ReembedOptions, type ReembedSummary } from './reembed/reembed-job.js';
import { superviseReembed, type ReembedSupervisor } from './reembed/reembed-supervisor.js';

export { parseCrashSpec, killAtCrashPoint, crashPoints } from './crash-hook.js';
export type { CrashHook, CrashPoint, CrashSpec } from './crash-hook.js';
export type { Embedder } from './embedder.js';
export type { ReembedSummary } from './reembed/reembed-job.js';

export interface EmbedderServiceOptions {
  /** consumer-group members in this process (default 1) */
  members?: number;
  /** run the re-embed job after a promotion (default: embedder.reembed) */
  reembed?: boolean;
  /** TEST-ONLY fault injection (crash-hook.ts) */
  crash?: CrashHook;
}

export interface EmbedderService {
  embedder: Embedder;
  checks: HealthCheck[];
  /** drains the batch in flight, then releases every adapter it opened */
  close(): Promise<void>;
}

/** what `latest` fails with when the registry's files are damaged (not when the disk is merely busy) */
const unusableLatest = new Set<string>([checkpointErrorCodes.corrupt, registryErrorCodes.corrupt]);

/** Where the re-embed job keeps its lock and progress: beside the other embedded files. */
export function reembedFiles(config: Config): { lockFile: string; progressFile: string } {
  const dir = path.join(config.dataDir, 'reembed');
  return { lockFile: path.join(dir, 'lock.db'), progressFile: path.join(dir, 'progress.json') };
}

/** One model as the embedder configuration says to run it. */
function modelLoader(config: Config, registry: FsModelRegistry, log: Logger): (id: string) => Promise<ModelRuntime> {
  const e = config.embedder;
  return async (id) =>
    openModelRuntime(await registry.checkpointDir(id), {
      batchSize: e.batchSize,
      decodeWorkers: e.decodeWorkers,
      threads: e.threads,
      executionProvider: e.executionProvider,
      log,
    });
}

/**
 * The embedder's composition root: opens exactly the adapters it uses (bus, tile store, vector store, model
 * registry), makes sure a model is promoted (a seeded random one on a fresh install), loads the serving models and
 * starts the consumer-group members. `gibs-embed start` and `gibs-embed embed` both come here.
 */
export async function openEmbedderService(
  config: Config,
  log: Logger,
  registry: Registry,
  options: EmbedderServiceOptions = {},
): Promise<EmbedderService> {
  const svcLog = log.child({ svc: 'embedder' });
  const e = config.embedder;
  const metrics = createEmbedderMetrics(registry);
  // closed in reverse order, on close or after a failed start
  const releases = new ReleaseStack('embedder');
  try {
    const bus = await createBus(busOptions(config), { logger: svcLog });
    releases.push(() => bus.close());
    await bus.ensureTopics([
      { name: FETCHED_TOPIC, partitions: config.bus.partitions },
      { name: 'tiles.embedded', partitions: config.bus.partitions },
      { name: 'tiles.dlq', partitions: config.bus.partitions },
    ]);
    const blobs = createBlobStore(blobStoreOptions(config));
    releases.push(() => blobs.close());
    const store = await createVectorStore(vectorStoreOptions(config), { logger: svcLog });
    releases.push(() => store.close());
    const modelRegistry = new FsModelRegistry({ root: config.model.registryDir, log: svcLog });
    releases.push(() => modelRegistry.close());
    await ensureServingCheckpoint(modelRegistry, {
      seed: config.model.randomSeed,
      inputSize: config.model.inputSize,
    }).catch((error: unknown) => {
      // a damaged `latest` is refused where models are chosen (ModelSet.open): the alias's model may still serve
      if (!(error instanceof AppError && unusableLatest.has(error.code))) throw error;
    });
    const models = new ModelSet(
      { source: modelRegistry, load: modelLoader(config, modelRegistry, svcLog), store, log: svcLog, metrics },
      { pollMs: e.modelPollMs },
    );
    releases.push(() => models.close());
    await models.open();
    const embedder = createEmbedder(
      { bus, blobs, store, models, log: svcLog, metrics, crash: options.crash },
      { ...e, members: options.members ?? 1 },
    );
    releases.push(() => embedder.stop());
    const supervisor =
      (options.reembed ?? e.reembed)
        ? startSupervisor(config, { models, store, blobs, log: svcLog, metrics })
        : undefined;
    if (supervisor) releases.push(() => supervisor.close());
    embedder.start();
    return {
      embedder,
      checks: [{ name: 'embedder', check: async () => !releases.released && embedder.healthy() }],
      close: () => releases.releaseAll(),
    };
  } catch (error) {
    await releases.releaseAfterFailedStart(svcLog);
    throw error;
  }
}

function startSupervisor(
  config: Config,
  deps: { models: ModelSet; store: VectorStore; blobs: BlobStore; log: Logger; metrics: EmbedderMetrics },
): ReembedSupervisor {
  const e = config.embedder;
  return superviseReembed(deps, {
    ...reembedFiles(config),
    pageSize: e.batchSize,
    initialBackoffMs: e.initialBackoffMs,
    maxBackoffMs: e.maxBackoffMs,
    retryMs: Math.max(1000, 5 * e.modelPollMs),
  });
}

export interface ReembedRunOptions {
  signal?: AbortSignal;
  onProgress?: ReembedOptions['onProgress'];
  onStart?: (model: string) => void;
}

/**
 * `gibs-embed reembed --model ID|DIR|latest`: fills the model's collection from the serving one and moves the
 * alias. A checkpoint directory outside the registry is published into it first (embedders load models by id).
 */
export async function runReembedCommand(
  config: Config,
  log: Logger,
  registry: Registry,
  modelRef: string,
  options: ReembedRunOptions = {},
): Promise<ReembedSummary> {
  const svcLog = log.child({ svc: 'reembed' });
  const modelRegistry = new FsModelRegistry({ root: config.model.registryDir, log: svcLog });
  const blobs = createBlobStore(blobStoreOptions(config));
  let store: VectorStore | undefined;
  let runtime: ModelRuntime | undefined;
  try {
    const dir = await resolveCheckpointDir(modelRef, modelRegistry, '--model');
    const meta = await modelRegistry.publish(dir);
    const latest = await modelRegistry.latest();
    if (latest?.id !== meta.id)
      svcLog.warn(
        { model: meta.id, latest: latest?.id },
        're-embedding into a model that is not `latest`: running embedders keep writing latest too',
      );
    store = await createVectorStore(vectorStoreOptions(config), { logger: svcLog });
    if ((await store.getAlias(SERVING_ALIAS)) === collectionForModel(meta.id)) {
      // nothing to do, and nothing to load
      const target = collectionForModel(meta.id);
      return {
        model: meta.id,
        source: target,
        target,
        total: 0,
        reembedded: 0,
        skipped: 0,
        switched: false,
        alreadyServing: true,
        seconds: 0,
      };
    }
    runtime = await modelLoader(config, modelRegistry, svcLog)(meta.id);
    options.onStart?.(meta.id);
    const e = config.embedder;
    return await runReembed(
      { store, blobs, model: runtime, log: svcLog, metrics: createEmbedderMetrics(registry) },
      {
        ...reembedFiles(config),
        pageSize: e.batchSize,
        initialBackoffMs: e.initialBackoffMs,
        maxBackoffMs: e.maxBackoffMs,
        signal: options.signal,
        onProgress: options.onProgress,
      },
    );
  } finally {
    await runtime?.close();
    await store?.close();
    await blobs.close();
    await modelRegistry.close();
  }
}
