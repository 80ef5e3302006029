import type { BlobStore } from '../../../shared/blob/index.js';
import { AbortedError, AppError } from '../../../shared/errors/index.js';
import type { Logger } from '../../../shared/log/index.js';
import { retryUntilStopped, type RetryUntilStoppedOptions } from '../../../shared/retry/index.js';
import { SERVING_ALIAS, type TilePayload, type VectorPoint, type VectorStore } from '../../../shared/store/index.js';
import { embedderErrorCodes } from '../embedder-errors.js';
import type { EmbedderMetrics } from '../embedder-metrics.js';
import type { ModelRuntime } from '../model-runtime.js';
import { readTile } from '../read-tile.js';
import { tryReembedLock } from './reembed-lock.js';
import {
  MAX_FAILED_KEPT,
  freshProgress,
  loadProgress,
  removeProgress,
  saveProgress,
  type ReembedProgress,
} from './reembed-progress.js';

export interface ReembedDeps {
  store: VectorStore;
  blobs: BlobStore;
  /** the model to fill (its collection is created if missing) */
  model: ModelRuntime;
  log: Logger;
  metrics?: EmbedderMetrics;
}

export interface ReembedOptions {
  /** the one-job-at-a-time lock (reembed-lock.ts) */
  lockFile: string;
  /** where progress survives a kill (reembed-progress.ts) */
  progressFile: string;
  /** points per scroll page and per upsert (default 128) */
  pageSize?: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** stops between pages, with the progress saved: a later run resumes there */
  signal?: AbortSignal;
  onProgress?: (progress: { done: number; total: number; reembedded: number; skipped: number; failed: number }) => void;
  /** after the alias moved to the model's collection */
  onSwitched?: (collection: string) => void;
}

export interface ReembedSummary {
  model: string;
  /** the collection read (the alias's at the start) */
  source: string;
  target: string;
  /** points of the source collection at the start */
  total: number;
  reembedded: number;
  /** points the target already held for the same tile bytes */
  skipped: number;
  /** true once the alias names the target collection */
  switched: boolean;
  /** the alias already named the target: nothing to do */
  alreadyServing: boolean;
  seconds: number;
}

/** a verification pass that finds tiles still missing is repeated at most this often */
const MAX_VERIFY_PASSES = 20;
const VERIFY_PAGE = 1000;

/**
 * The re-embed job (DESIGN.md "Model"): fills model M's collection from the collection the serving alias names —
 * scrolled by id, each tile's bytes read again (payload.tile_uri) and embedded by M, the payload kept but for
 * `model` — then moves the alias, atomically, once every id of the source is in M's collection. Produces nothing on
 * tiles.embedded (a re-embedding is not new imagery). Progress is saved after every page, so a killed job resumes
 * where it stopped; a lock keeps it to one job at a time across processes.
 *
 * Embedders write every new tile into both collections meanwhile; one that was still loading M when a tile came
 * wrote it to the old collection only, which the verification passes (before and after the switch) catch.
 */
export async function runReembed(deps: ReembedDeps, options: ReembedOptions): Promise<ReembedSummary> {
  const started = performance.now();
  const lock = tryReembedLock(options.lockFile);
  if (lock === undefined)
    throw new AppError(
      embedderErrorCodes.reembedLocked,
      `another re-embed job is running (it holds ${options.lockFile}); it will have to finish first`,
      { retriable: true },
    );
  try {
    return await new ReembedRun(deps, options).run(started);
  } finally {
    lock.release();
  }
}

class ReembedRun {
  private readonly pause: RetryUntilStoppedOptions;
  private readonly target: string;
  private readonly pageSize: number;
  private progress!: ReembedProgress;
  private total = 0;

  constructor(
    private readonly deps: ReembedDeps,
    private readonly options: ReembedOptions,
  ) {
    this.target = deps.model.collection;
    this.pageSize = options.pageSize ?? 128;
    this.pause = {
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      log: deps.log,
      service: 'embedder',
      onPause: (code) => deps.metrics?.pauses.inc({ code }),
      stopping: options.signal ?? new AbortController().signal,
    };
  }

  async run(started: number): Promise<ReembedSummary> {
    const { store, model, log } = this.deps;
    const retry = <T>(what: string, op: () => Promise<T>) => retryUntilStopped(what, op, this.pause);
    await retry('creating the target collection', () => store.ensureCollection(this.target, model.dimension));
    const source = (await retry('reading the alias', () => store.getAlias(SERVING_ALIAS))) ?? this.target;
    const summary = (switched: boolean, alreadyServing: boolean): ReembedSummary => ({
      model: model.id,
      source,
      target: this.target,
      total: this.total,
      reembedded: this.progress.reembedded,
      skipped: this.progress.skipped,
      switched,
      alreadyServing,
      seconds: (performance.now() - started) / 1000,
    });
    this.progress = freshProgress(model.id, source);
    if (source === this.target) {
      // a fresh store (no alias yet) or a job that already finished: make sure the alias is there, and done
      await retry('moving the alias', () => store.setAlias(SERVING_ALIAS, this.target));
      await removeProgress(this.options.progressFile);
      return summary(false, true);
    }
    const saved = await loadProgress(this.options.progressFile);
    if (saved && saved.model === model.id && saved.source === source) {
      this.progress = saved;
      log.info({ model: model.id, after: saved.after, reembedded: saved.reembedded }, 're-embed: resuming');
    }
    this.total = await retry('counting the source', () => store.count(source));
    log.info({ model: model.id, source, target: this.target, points: this.total }, 're-embed: started');

    await this.fill(source);
    await this.verify(source);

    await retry('moving the alias', () => store.setAlias(SERVING_ALIAS, this.target));
    log.info({ alias: SERVING_ALIAS, from: source, to: this.target }, 're-embed: the serving alias moved');
    this.options.onSwitched?.(this.target);
    // a batch that wrote the old collection only just before the switch: its tiles are found now
    const late = await this.missing(source);
    if (late.length > 0) {
      log.warn({ tiles: late.length }, 're-embed: tiles written to the old collection during the switch; filling in');
      await this.reembed(late);
    }
    await removeProgress(this.options.progressFile);
    log.info(
      { model: model.id, reembedded: this.progress.reembedded, skipped: this.progress.skipped },
      're-embed: finished',
    );
    return summary(true, false);
  }

  /** the main pass: every point of `source` after the saved position, page by page, progress saved after each */
  private async fill(source: string): Promise<void> {
    const { store } = this.deps;
    const retry = <T>(what: string, op: () => Promise<T>) => retryUntilStopped(what, op, this.pause);
    for (;;) {
      this.throwIfStopped();
      const page = await retry('scrolling the source', () =>
        store.scroll(source, { after: this.progress.after, limit: this.pageSize }),
      );
      if (page.points.length === 0) break;
      const present = await retry('reading the target', () =>
        store.get(
          this.target,
          page.points.map((p) => p.id),
        ),
      );
      const held = new Map(present.map((p) => [p.id, p.payload.sha256]));
      const todo = page.points.filter((p) => held.get(p.id) !== p.payload.sha256);
      this.progress.skipped += page.points.length - todo.length;
      await this.reembed(todo);
      this.progress.after = page.points[page.points.length - 1].id;
      await this.save();
      if (page.next === undefined) break;
    }
  }

  /**
   * Until `source` has no id the target lacks: tiles an embedder wrote to the source only (it was still loading the
   * model) are filled in. Throws REEMBED_INCOMPLETE when some cannot be (bytes gone, undecodable).
   */
  private async verify(source: string): Promise<void> {
    const { log } = this.deps;
    let complete = false;
    for (let pass = 1; pass <= MAX_VERIFY_PASSES && !complete; pass++) {
      this.throwIfStopped();
      const missing = await this.missing(source);
      if (missing.length === 0) {
        complete = true;
        break;
      }
      this.progress.failed = 0;
      this.progress.failures = [];
      log.info({ missing: missing.length, pass }, 're-embed: filling in tiles missing from the target');
      await this.reembed(missing);
      await this.save();
      if (this.progress.failed === missing.length) break;
    }
    if (!complete) {
      const first = this.progress.failures[0];
      throw new AppError(
        embedderErrorCodes.reembedIncomplete,
        `${this.progress.failed} tiles of ${source} cannot be re-embedded${first ? ` (e.g. ${first.id}: ${first.code} ${first.reason})` : ''}; the alias stays on ${source} (details in ${this.options.progressFile})`,
        { retriable: false },
      );
    }
  }

  /** reads, embeds and writes `points` into the target; tiles that cannot be are counted in the progress */
  private async reembed(points: ReadonlyArray<{ id: string; payload: TilePayload }>): Promise<void> {
    const { blobs, model, store } = this.deps;
    for (let start = 0; start < points.length; start += this.pageSize) {
      const chunk = points.slice(start, start + this.pageSize);
      const bytes = await retryUntilStopped(
        'reading tiles',
        () => Promise.all(chunk.map((p) => readTile(blobs, p.payload.tile_uri))),
        this.pause,
      );
      const readable = chunk.filter((_, i) => bytes[i] instanceof Uint8Array);
      for (let i = 0; i < chunk.length; i++) {
        const outcome = bytes[i];
        if (!(outcome instanceof Uint8Array)) this.fail(chunk[i].id, outcome.code, outcome.message);
      }
      const results = await retryUntilStopped(
        'embedding tiles',
        async () => {
          const out = await model.embed(bytes.filter((b): b is Uint8Array => b instanceof Uint8Array));
          const passing = out.find((r): r is AppError => r instanceof AppError && r.retriable);
          if (passing) throw passing;
          return out;
        },
        this.pause,
      );
      const upserts: VectorPoint[] = [];
      results.forEach((result, i) => {
        if (result instanceof Float32Array)
          upserts.push({ id: readable[i].id, vector: result, payload: { ...readable[i].payload, model: model.id } });
        else this.fail(readable[i].id, result.code, result.message);
      });
      if (upserts.length > 0)
        await retryUntilStopped('writing the target', () => store.upsert(this.target, upserts), this.pause);
      this.progress.reembedded += upserts.length;
      this.deps.metrics?.reembedded.inc({ model: model.id }, upserts.length);
    }
  }

  /** every point of `source` whose id the target lacks */
  private async missing(source: string): Promise<Array<{ id: string; payload: TilePayload }>> {
    const { store } = this.deps;
    const missing: Array<{ id: string; payload: TilePayload }> = [];
    let after: string | undefined;
    do {
      const page = await retryUntilStopped(
        'scrolling the source',
        () => store.scroll(source, { after, limit: VERIFY_PAGE }),
        this.pause,
      );
      const ids = page.points.map((p) => p.id);
      if (ids.length === 0) break;
      const found = await retryUntilStopped(
        'counting the target',
        () => store.count(this.target, { id: ids }),
        this.pause,
      );
      if (found < ids.length) {
        const present = new Set(
          (await retryUntilStopped('reading the target', () => store.get(this.target, ids), this.pause)).map(
            (p) => p.id,
          ),
        );
        missing.push(...page.points.filter((p) => !present.has(p.id)));
      }
      after = page.next;
    } while (after !== undefined);
    return missing;
  }

  private fail(id: string, code: string, reason: string): void {
    this.progress.failed++;
    if (this.progress.failures.length < MAX_FAILED_KEPT) this.progress.failures.push({ id, code, reason });
    this.deps.log.warn({ id, code, reason }, 're-embed: tile cannot be re-embedded');
  }

  private async save(): Promise<void> {
    this.progress.updated_at = new Date().toISOString();
    await retryUntilStopped(
      'saving progress',
      () => saveProgress(this.options.progressFile, this.progress),
      this.pause,
    );
    const p = this.progress;
    this.options.onProgress?.({
      done: p.reembedded + p.skipped + p.failed,
      total: this.total,
      reembedded: p.reembedded,
      skipped: p.skipped,
      failed: p.failed,
    });
  }

  private throwIfStopped(): void {
    if (this.options.signal?.aborted)
      throw new AbortedError(`re-embed stopped; progress saved in ${this.options.progressFile}`);
  }
}
