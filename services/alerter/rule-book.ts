import type { AlertRule, AlertStore } from '../../shared/alerts/index.js';
import { ruleFilterToFilter } from '../../shared/alerts/index.js';
import { AppError, describeError, errorCodes } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/index.js';
import { alerterErrorCodes } from './alerter-errors.js';
import type { AlerterMetrics } from './alerter-metrics.js';
import type { ReferenceEmbedder } from './reference-embedder.js';
import { buildRuleMatrix, type RuleMatrix, type ScoredRule } from './rule-matrix.js';

export interface RuleBookDeps {
  store: AlertStore;
  embedder: ReferenceEmbedder;
  log: Logger;
  metrics?: AlerterMetrics;
}

export interface RuleBookOptions {
  /** the rules are read from the store again when the last read is older than this (0: at every refresh) */
  refreshMs: number;
  /** a model's matrix not used this long is dropped (default 30 minutes) */
  modelIdleMs?: number;
}

/** how far a reference vector may be from unit length before the embedder is not trusted */
const UNIT_TOLERANCE = 1e-3;
const DEFAULT_MODEL_IDLE_MS = 30 * 60_000;

/**
 * The enabled rules as the alerter scores them: re-read from the store (the API changes them from another
 * process), each rule's reference vectors for a model read from the store or — for a new rule, a changed rule or
 * a new model — embedded from the rule's reference images with that model and stored BEFORE the rule is scored
 * against it, and one RuleMatrix per model, rebuilt only when the set of (rule, revision) changes.
 * Calls run one at a time (a pre-warm from a model switch and a batch never embed the same rule twice).
 */
export class RuleBook {
  private rules: ScoredRule[] = [];
  private readAt = Number.NEGATIVE_INFINITY;
  private readonly matrices = new Map<string, { key: string; matrix: RuleMatrix; usedAt: number }>();
  /** `${model}\n${rule}\n${revision}` → the rule's reference vectors under the model */
  private readonly vectors = new Map<string, Float32Array[]>();
  /** same keys: references that cannot be embedded with the model (an undecodable image), and why */
  private readonly unusable = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: RuleBookDeps,
    private readonly options: RuleBookOptions,
  ) {}

  /** the enabled rules of the last read */
  get size(): number {
    return this.rules.length;
  }

  /** reads the rules again when the last read is older than refreshMs (or always, with `force`) */
  refresh(force = false): Promise<void> {
    return this.serially(async () => {
      if (!force && performance.now() - this.readAt < this.options.refreshMs) return;
      const all = await this.deps.store.listRules();
      this.rules = all.filter((rule) => rule.enabled).flatMap((rule) => this.scoredRule(rule));
      this.readAt = performance.now();
      this.deps.metrics?.rules.set(this.rules.length);
    });
  }

  /** every enabled rule's reference vectors under `model` as one matrix (embedding what is missing first) */
  matrixFor(model: string): Promise<RuleMatrix> {
    return this.serially(async () => {
      const key = this.rules.map(({ rule }) => `${rule.id}@${rule.revision}`).join(',');
      const now = performance.now();
      for (const [m, entry] of this.matrices)
        if (m !== model && now - entry.usedAt > (this.options.modelIdleMs ?? DEFAULT_MODEL_IDLE_MS)) this.forget(m);
      const cached = this.matrices.get(model);
      if (cached?.key === key) {
        cached.usedAt = now;
        return cached.matrix;
      }
      const entries = [];
      for (const scored of this.rules)
        entries.push({ ...scored, vectors: await this.referenceVectors(scored.rule, model) });
      const matrix = buildRuleMatrix(model, entries);
      this.matrices.set(model, { key, matrix, usedAt: performance.now() });
      // what older revisions and deleted rules left behind under this model
      const current = new Set(this.rules.map(({ rule }) => vectorKey(model, rule)));
      for (const cache of [this.vectors, this.unusable])
        for (const k of cache.keys()) if (k.startsWith(`${model}\n`) && !current.has(k)) cache.delete(k);
      return matrix;
    });
  }

  private forget(model: string): void {
    this.matrices.delete(model);
    for (const cache of [this.vectors, this.unusable])
      for (const k of cache.keys()) if (k.startsWith(`${model}\n`)) cache.delete(k);
  }

  private scoredRule(rule: AlertRule): ScoredRule[] {
    try {
      return [{ rule, filter: ruleFilterToFilter(rule.filter) }];
    } catch (error) {
      // the API validates filters, so this is a row written by something else: the rule is left out, loudly
      this.deps.log.error(
        { rule: rule.id, err: describeError(error) },
        'alerter: rule has an unusable filter; skipped',
      );
      return [];
    }
  }

  private async referenceVectors(rule: AlertRule, model: string): Promise<Float32Array[]> {
    const key = vectorKey(model, rule);
    const cached = this.vectors.get(key);
    if (cached) return cached;
    if (this.unusable.has(key)) return [];
    const stored = await this.deps.store.getReferenceVectors(rule.id, model, rule.revision);
    if (stored) {
      this.vectors.set(key, stored);
      return stored;
    }
    const images = await this.deps.store.referenceImages(rule.id);
    // the rule was deleted since the rules were read: nothing to score (the next read drops it)
    if (images.length === 0) return [];
    let embedded: Float32Array[];
    try {
      embedded = await this.deps.embedder.embed(model, images);
    } catch (error) {
      if (!(error instanceof AppError && error.code === errorCodes.undecodable)) throw error;
      // the reference images are checked when a rule is made; a model that cannot read one leaves the rule out
      this.unusable.set(key, describeError(error));
      this.deps.log.error(
        { rule: rule.id, model, err: describeError(error) },
        'alerter: a reference image of the rule cannot be embedded with this model; the rule is not scored',
      );
      return [];
    }
    checkVectors(rule, model, images.length, embedded);
    await this.deps.store.putReferenceVectors(rule.id, model, rule.revision, embedded);
    this.deps.metrics?.referencesEmbedded.inc({ model });
    this.deps.log.info(
      { rule: rule.id, revision: rule.revision, model, references: embedded.length },
      'alerter: reference vectors computed',
    );
    this.vectors.set(key, embedded);
    return embedded;
  }

  private serially<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op);
    // the next call waits for this one to settle, whatever its outcome (its caller sees the rejection)
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}

function vectorKey(model: string, rule: AlertRule): string {
  return `${model}\n${rule.id}\n${rule.revision}`;
}

function checkVectors(rule: AlertRule, model: string, expected: number, vectors: Float32Array[]): void {
  const bad = (why: string) =>
    new AppError(alerterErrorCodes.badReferenceVectors, `model ${model}, rule ${rule.id}: ${why}`, {
      retriable: false,
    });
  if (vectors.length !== expected) throw bad(`${vectors.length} vectors for ${expected} reference images`);
  const dim = vectors[0]?.length ?? 0;
  for (const v of vectors) {
    if (v.length !== dim || dim === 0) throw bad(`vectors of dimensions ${dim} and ${v.length}`);
    let s = 0;
    for (const x of v) s += x * x;
    if (!(Math.abs(Math.sqrt(s) - 1) <= UNIT_TOLERANCE)) throw bad(`a vector of norm ${Math.sqrt(s)}, not 1`);
  }
}
