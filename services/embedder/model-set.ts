import { AppError, describeError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import type { CheckpointMeta } from '../../shared/model/checkpoint/index.js';
import type { RegistryWatch, WatchOptions } from '../../shared/model/registry/index.js';
import { SERVING_ALIAS, modelOfCollection, type VectorStore } from '../../shared/store/index.js';
import { embedderErrorCodes } from './embedder-errors.js';
import type { EmbedderMetrics } from './embedder-metrics.js';
import type { ModelRuntime } from './model-runtime.js';

/** The part of the model registry the embedder reads. */
export interface ModelSource {
  latest(): Promise<CheckpointMeta | undefined>;
  watch(onChange: (latest: CheckpointMeta | undefined) => void | Promise<void>, options: WatchOptions): RegistryWatch;
}

/** checkpoint id → a ready model (rejects with CHECKPOINT_CORRUPT for a checkpoint that fails verification) */
export type LoadModel = (id: string) => Promise<ModelRuntime>;

export interface ModelSetDeps {
  source: ModelSource;
  load: LoadModel;
  store: VectorStore;
  log: Logger;
  metrics?: EmbedderMetrics;
}

/** The models one batch is written with, fixed at the batch's start; `release()` once the batch is done. */
export interface Targets {
  /** the alias's model: its vectors go on tiles.embedded */
  serving: ModelRuntime;
  /** every model the batch is written with, serving first */
  models: ModelRuntime[];
  release(): void;
}

export interface HeldModel {
  runtime: ModelRuntime;
  release(): void;
}

interface Entry {
  runtime: ModelRuntime;
  /** batches and jobs holding it: a model is closed only once nobody does */
  users: number;
}

/**
 * Which models the embedders write (DESIGN.md "Model"): the model of the collection the serving alias names, plus
 * the registry's `latest` when it differs (every new tile is embedded by both until the re-embed job has filled
 * the new collection and moved the alias). A new `latest` is loaded in the background (registry watch) and joins
 * the set only once ready; batches take a snapshot at their start (acquire), so a swap never happens mid-batch. A
 * checkpoint that fails verification is refused with an error log and the current models keep serving.
 */
export class ModelSet {
  private aliasModel = '';
  private latestModel: string | undefined;
  private readonly loaded = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<ModelRuntime>>();
  private readonly refused = new Map<string, string>();
  /** ids of the models batches are written with now; [0] is the serving one */
  private active: string[] = [];
  private watchHandle: RegistryWatch | undefined;
  private readonly listeners = new Set<() => void>();
  private lastWatchError = '';
  private closed = false;

  constructor(
    private readonly deps: ModelSetDeps,
    private readonly options: { pollMs: number },
  ) {}

  /** Loads the serving model (creating the serving collection and alias on a fresh store) and `latest`, then watches. */
  async open(): Promise<void> {
    const { source, store, log } = this.deps;
    let latest: CheckpointMeta | undefined;
    try {
      latest = await source.latest();
    } catch (error) {
      // a damaged registry must not take the serving model down with it: the alias's model is enough to start
      if (!(error instanceof AppError) || error.retriable) throw error;
      log.error(
        { err: describeError(error) },
        "embedder: the registry's latest is unusable; serving the alias's model",
      );
    }
    this.latestModel = latest?.id;
    let alias = await store.getAlias(SERVING_ALIAS);
    if (alias === undefined) {
      if (latest === undefined)
        throw new AppError(
          embedderErrorCodes.noServingModel,
          'no serving collection yet and no usable promoted checkpoint to create it with',
          { retriable: false },
        );
      const runtime = await this.load(latest.id);
      await store.setAlias(SERVING_ALIAS, runtime.collection);
      alias = runtime.collection;
      log.info({ alias: SERVING_ALIAS, collection: alias }, 'embedder: created the serving collection');
    }
    const aliasModel = modelOfCollection(alias);
    if (aliasModel === undefined)
      throw new AppError(
        embedderErrorCodes.foreignCollection,
        `alias ${SERVING_ALIAS} names ${alias}, which is not a model's collection (tiles_<checkpoint id>)`,
        { retriable: false },
      );
    this.aliasModel = aliasModel;
    try {
      await this.load(aliasModel);
    } catch (error) {
      throw new AppError(
        embedderErrorCodes.noServingModel,
        `the serving collection ${alias} was made by ${aliasModel}, which cannot be loaded: ${describeError(error)}`,
        { retriable: error instanceof AppError && error.retriable, cause: error },
      );
    }
    if (latest !== undefined && latest.id !== aliasModel) await this.tryLoadLatest(latest.id);
    this.reconcile();
    this.watchHandle = source.watch((meta) => this.onLatest(meta), {
      intervalMs: this.options.pollMs,
      onError: (error) => {
        // a damaged `latest` fails every poll: say it once, not every few seconds
        const text = describeError(error);
        if (text !== this.lastWatchError) log.warn({ err: text }, 'embedder: cannot read the model registry');
        this.lastWatchError = text;
      },
    });
  }

  /** the serving model's id (the alias's) */
  get serving(): string {
    return this.aliasModel;
  }

  /** The models to write a batch with, fixed until `release()`. */
  acquire(): Targets {
    const entries = this.active.map((id) => this.loaded.get(id) as Entry);
    for (const entry of entries) entry.users++;
    let released = false;
    return {
      serving: entries[0].runtime,
      models: entries.map((e) => e.runtime),
      release: () => {
        if (released) return;
        released = true;
        for (const entry of entries) entry.users--;
        this.retire();
      },
    };
  }

  /** A model by id, loading it if needed (the alias moved to a model this process lacks; the re-embed job). */
  async hold(id: string): Promise<HeldModel> {
    const runtime = await this.load(id);
    const entry = this.loaded.get(id) as Entry;
    entry.users++;
    let released = false;
    return {
      runtime,
      release: () => {
        if (released) return;
        released = true;
        entry.users--;
        this.retire();
      },
    };
  }

  /** `latest` when it is loaded and is not the serving model yet: what the re-embed job should fill */
  pendingReembed(): string | undefined {
    const latest = this.latestModel;
    return latest !== undefined && latest !== this.aliasModel && this.loaded.has(latest) ? latest : undefined;
  }

  /** What a batch (or the re-embed job) saw the alias name; moving off the old model happens here. */
  noteAlias(collection: string | undefined): void {
    if (collection === undefined || this.closed) return;
    const model = modelOfCollection(collection);
    if (model === undefined || model === this.aliasModel) return;
    this.deps.log.info({ from: this.aliasModel, to: model }, 'embedder: the serving alias moved');
    this.aliasModel = model;
    if (this.loaded.has(model)) return this.reconcile();
    this.load(model).then(
      () => this.reconcile(),
      (error: unknown) =>
        this.deps.log.error({ model, err: describeError(error) }, 'embedder: cannot load the serving model'),
    );
  }

  /** called after every change of the written models or of `latest` */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchHandle?.stop();
    await Promise.allSettled([...this.loading.values()]);
    const runtimes = [...this.loaded.values()].map((e) => e.runtime);
    this.loaded.clear();
    this.deps.metrics?.model.reset();
    await Promise.all(runtimes.map((r) => r.close()));
  }

  private async onLatest(meta: CheckpointMeta | undefined): Promise<void> {
    this.lastWatchError = '';
    if (meta === undefined || this.closed) return;
    const changed = meta.id !== this.latestModel;
    this.latestModel = meta.id;
    if (!this.loaded.has(meta.id)) await this.tryLoadLatest(meta.id);
    if (changed || this.loaded.has(meta.id)) this.reconcile();
  }

  /** loads `latest`; a checkpoint that cannot be used is refused (logged once), a passing failure retried */
  private async tryLoadLatest(id: string): Promise<void> {
    if (this.refused.has(id)) return;
    try {
      await this.load(id);
      this.deps.log.info({ model: id, serving: this.aliasModel }, 'embedder: new model ready');
    } catch (error) {
      // retriable (the registry's disk busy): the watch offers the same `latest` again at its next poll
      if (error instanceof AppError && error.retriable) throw error;
      this.refused.set(id, describeError(error));
      this.deps.log.error(
        { model: id, serving: this.aliasModel, err: describeError(error) },
        `embedder: refusing checkpoint ${id}; the current model keeps serving`,
      );
    }
  }

  private load(id: string): Promise<ModelRuntime> {
    const entry = this.loaded.get(id);
    if (entry) return Promise.resolve(entry.runtime);
    const pending = this.loading.get(id);
    if (pending) return pending;
    const loading = (async () => {
      const runtime = await this.deps.load(id);
      try {
        if (this.closed)
          throw new AppError(embedderErrorCodes.modelNotReady, 'the embedder closed while loading', {
            retriable: false,
          });
        await this.deps.store.ensureCollection(runtime.collection, runtime.dimension);
      } catch (error) {
        await runtime.close();
        throw error;
      }
      this.loaded.set(id, { runtime, users: 0 });
      return runtime;
    })().finally(() => this.loading.delete(id));
    this.loading.set(id, loading);
    return loading;
  }

  private reconcile(): void {
    if (this.closed) return;
    const wanted = [this.aliasModel];
    if (this.latestModel !== undefined && this.latestModel !== this.aliasModel && !this.refused.has(this.latestModel))
      wanted.push(this.latestModel);
    // until the serving model is loaded, batches keep the set they had (and check the alias after writing)
    if (this.loaded.has(this.aliasModel)) {
      const next = wanted.filter((id) => this.loaded.has(id));
      if (next.join() !== this.active.join()) {
        this.deps.log.info({ serving: next[0], models: next }, 'embedder: models for the next batches');
        this.active = next;
        const gauge = this.deps.metrics?.model;
        gauge?.reset();
        next.forEach((id, i) => gauge?.set({ model: id, role: i === 0 ? 'serving' : 'next' }, 1));
      }
    }
    this.retire();
    for (const listener of this.listeners) listener();
  }

  /** closes models nobody writes with any more once no batch or job holds them */
  private retire(): void {
    const keep = new Set([...this.active, this.aliasModel, this.latestModel]);
    for (const [id, entry] of this.loaded) {
      if (keep.has(id) || entry.users > 0) continue;
      this.loaded.delete(id);
      this.deps.log.info({ model: id }, 'embedder: model retired');
      entry.runtime
        .close()
        .catch((error: unknown) =>
          this.deps.log.warn({ model: id, err: describeError(error) }, 'embedder: closing a retired model failed'),
        );
    }
  }
}
