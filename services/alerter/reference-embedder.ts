import { AppError, describeError } from '../../shared/errors/index.js';
import { silentLogger, type Logger } from '../../shared/log/index.js';
import { openQueryEmbedder, type QueryEmbedder, type QueryImage } from '../../shared/model/infer/index.js';
import { alerterErrorCodes } from './alerter-errors.js';

/**
 * The port through which the alerter turns a rule's reference images into vectors of a given model: exactly as
 * the embedders embed tiles with that model, so a reference tile's own image scores ~1 against its stored vector.
 */
export interface ReferenceEmbedder {
  /**
   * One unit vector per image, in order, under checkpoint `model`. An undecodable image is a ValidationError
   * (code UNDECODABLE) naming its label; an unknown model CHECKPOINT_NOT_FOUND; I/O failures keep their codes.
   */
  embed(model: string, images: readonly QueryImage[]): Promise<Float32Array[]>;
  /** releases every loaded model; later calls fail with ALERTER_EMBEDDER_CLOSED */
  close(): Promise<void>;
}

export interface RegistryReferenceEmbedderOptions {
  /** where checkpoints are (FsModelRegistry): read, never written */
  registry: { checkpointDir(id: string): Promise<string> };
  log?: Logger;
  /** a model unused this long is unloaded (default 10 minutes): an old model stops being used after a switch */
  idleCloseMs?: number;
  /** ORT intra-op threads per model (default 1: references are a handful of images, rarely embedded) */
  intraOpThreads?: number;
}

interface Loaded {
  opening: Promise<QueryEmbedder>;
  lastUsed: number;
  /** embed calls under way: an entry is never closed under them */
  busy: number;
}

const DEFAULT_IDLE_CLOSE_MS = 10 * 60_000;

/**
 * ReferenceEmbedder over the model registry: model id → registry.checkpointDir(id) → openQueryEmbedder, one per
 * model, loaded on first use and shared by concurrent callers; unloaded once idle for `idleCloseMs`.
 */
export function createRegistryReferenceEmbedder(options: RegistryReferenceEmbedderOptions): ReferenceEmbedder {
  const log = options.log ?? silentLogger();
  const idleCloseMs = options.idleCloseMs ?? DEFAULT_IDLE_CLOSE_MS;
  const loaded = new Map<string, Loaded>();
  let closed = false;

  const release = async (model: string, entry: Loaded) => {
    loaded.delete(model);
    try {
      await (await entry.opening).close();
      log.info({ model }, 'alerter: reference model unloaded');
    } catch (error) {
      // a model that never opened has nothing to release; a failed close is reported, the entry is gone either way
      log.warn({ model, err: describeError(error) }, 'alerter: unloading a reference model failed');
    }
  };

  const evictIdle = async (keep: string) => {
    const now = performance.now();
    const idle = [...loaded].filter(([m, e]) => m !== keep && e.busy === 0 && now - e.lastUsed >= idleCloseMs);
    await Promise.all(idle.map(([m, e]) => release(m, e)));
  };

  const acquire = (model: string): Loaded => {
    let entry = loaded.get(model);
    if (!entry) {
      const opening = (async () => {
        const checkpoint = await options.registry.checkpointDir(model);
        const embedder = await openQueryEmbedder({
          checkpoint,
          expectModelId: model,
          intraOpThreads: options.intraOpThreads ?? 1,
          log,
        });
        log.info({ model, dim: embedder.embeddingDim }, 'alerter: reference model loaded');
        return embedder;
      })();
      const created: Loaded = { opening, lastUsed: performance.now(), busy: 0 };
      // a model that failed to open is tried again by the next call
      opening.catch(() => {
        if (loaded.get(model) === created) loaded.delete(model);
      });
      loaded.set(model, created);
      entry = created;
    }
    return entry;
  };

  return {
    async embed(model, images) {
      if (closed)
        throw new AppError(alerterErrorCodes.embedderClosed, 'the reference embedder is closed', { retriable: false });
      const entry = acquire(model);
      entry.busy++;
      try {
        const embedder = await entry.opening;
        return await embedder.embed(images);
      } finally {
        entry.busy--;
        entry.lastUsed = performance.now();
        await evictIdle(model);
      }
    },
    async close() {
      closed = true;
      await Promise.all([...loaded].map(([m, e]) => release(m, e)));
    },
  };
}
