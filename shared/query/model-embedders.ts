import type { ExecutionProviderName, QueryEmbedder, QueryImage } from '../model/infer/index.js';
import { AppError } from '../errors/index.js';
import type { Logger } from '../log/index.js';
import { queryErrorCodes } from './query-errors.js';
import type { ImageEmbedding } from './search-tiles.js';

export interface ModelEmbeddersOptions {
  /** the checkpoint directory of a model id (the registry's; a missing one rejects with the registry's error) */
  checkpointDir: (modelId: string) => Promise<string>;
  /** ORT intra-op threads (0 or undefined: ORT's choice) */
  threads?: number;
  executionProvider?: ExecutionProviderName;
  /** models kept loaded at once (default 2: the serving one and the one a re-embed moves to) */
  capacity?: number;
  log: Logger;
}

interface Loaded {
  embedder: Promise<QueryEmbedder>;
  /** embed calls in flight: an evicted model closes only when they are done */
  active: number;
  evicted: boolean;
}

/**
 * Query embedders per model id, loaded on first use and kept (up to `capacity`, least recently used out), so a
 * search with an image pays for the ONNX export and the ORT session once. Images are embedded exactly as the
 * embedder embeds tiles (openQueryEmbedder); an undecodable image is a ValidationError (UNDECODABLE) naming it.
 */
export class ModelEmbedders implements ImageEmbedding {
  private readonly loaded = new Map<string, Loaded>();
  private closed = false;

  constructor(private readonly options: ModelEmbeddersOptions) {}

  async embed(modelId: string, images: readonly QueryImage[]): Promise<Float32Array[]> {
    if (this.closed) throw new AppError(queryErrorCodes.closed, 'the query embedders are closed', { retriable: false });
    const entry = this.entry(modelId);
    entry.active++;
    try {
      return await (await entry.embedder).embed(images);
    } finally {
      entry.active--;
      if (entry.evicted && entry.active === 0) await this.release(modelId, entry);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.loaded];
    this.loaded.clear();
    for (const [modelId, entry] of entries) {
      entry.evicted = true;
      if (entry.active === 0) await this.release(modelId, entry);
    }
  }

  private entry(modelId: string): Loaded {
    const known = this.loaded.get(modelId);
    if (known) {
      // most recently used last: Map keeps insertion order
      this.loaded.delete(modelId);
      this.loaded.set(modelId, known);
      return known;
    }
    const entry: Loaded = { embedder: this.open(modelId), active: 0, evicted: false };
    // a model that failed to load is not remembered: the next query tries again (the registry may have it by then)
    entry.embedder.catch(() => {
      if (this.loaded.get(modelId) === entry) this.loaded.delete(modelId);
    });
    this.loaded.set(modelId, entry);
    for (const [oldId, old] of this.loaded) {
      if (this.loaded.size <= (this.options.capacity ?? 2)) break;
      this.loaded.delete(oldId);
      old.evicted = true;
      if (old.active === 0) void this.release(oldId, old);
    }
    return entry;
  }

  private async open(modelId: string): Promise<QueryEmbedder> {
    const checkpoint = await this.options.checkpointDir(modelId);
    // loaded on first use: commands and routes that never embed an image start without onnxruntime
    const { openQueryEmbedder } = await import('../model/infer/index.js');
    return openQueryEmbedder({
      checkpoint,
      expectModelId: modelId,
      intraOpThreads: this.options.threads || undefined,
      executionProviders: this.options.executionProvider ? [this.options.executionProvider] : undefined,
      log: this.options.log,
    });
  }

  private async release(modelId: string, entry: Loaded): Promise<void> {
    let embedder: QueryEmbedder;
    try {
      embedder = await entry.embedder;
    } catch {
      return; // never loaded: nothing to close (the load's error went to the query that asked)
    }
    await embedder
      .close()
      .catch((error: unknown) =>
        this.options.log.warn({ err: error, model: modelId }, 'closing a query embedder failed'),
      );
  }
}
