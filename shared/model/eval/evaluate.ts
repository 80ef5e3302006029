/**
 * Runs one embedding function over the evaluation sets and measures it: labeled precision@k, the place
 * proxy's recall@k (shifted view, other source), and the collapse metric over every embedded image.
 */
import { createHash } from 'node:crypto';
import { AppError, ValidationError } from '../../errors/index.js';
import type { EmbedFn } from './embed-fn.js';
import type { LabeledSet } from './labeled-set.js';
import type { PlaceProxySet, RetrievalTask } from './place-proxy-set.js';
import type { TileShiftSet } from './tile-shift-set.js';
import { collapseStd, precisionAtKs, recallAtKs, type RecallResult } from './metrics.js';
import { evalErrorCodes } from './eval-errors.js';

export interface EvalSets {
  labeled?: LabeledSet;
  proxy?: PlaceProxySet;
  /** shifted views of held-out tiles from a folder (e.g. the harvested tile store) */
  tiles?: TileShiftSet;
}

export interface EvaluateOptions {
  /** default [1, 5, 10] */
  ks?: number[];
  /** images per EmbedFn call (default 64) */
  batchSize?: number;
}

export interface EvalReport {
  /** identifies the evaluation sets: reports are comparable only when this matches */
  datasetId: string;
  labeled?: { precisionAt: Record<number, number>; queries: number; items: number; chance: number };
  /** crossSource only when the place proxy had a cross-source mosaic */
  proxy?: { shifted: RecallResult; crossSource?: RecallResult };
  tiles?: { shifted: RecallResult };
  /** SimSiam's collapse metric over every embedded image; ≈ 1/sqrt(dim) when spread, 0 when collapsed */
  collapseStd: number;
  dim: number;
  /** wall time: embedding plus metrics */
  seconds: number;
}

/**
 * A fingerprint of what was evaluated (source scenes, crop count, places), not of pixels: two reports from
 * the same sets share it. The input size is left out on purpose: checkpoints of different input sizes
 * are compared on the same places and crops, each at its own resolution.
 */
export function datasetId(sets: EvalSets): string {
  const h = createHash('sha256');
  if (sets.labeled) {
    const l = sets.labeled;
    h.update(JSON.stringify({ labeled: l.sources.map((s) => s.file), items: l.images.length, crops: l.crops }));
  }
  if (sets.proxy) {
    const p = sets.proxy;
    const task = (t: RetrievalTask | undefined) => t?.place ?? null;
    h.update(
      JSON.stringify({
        split: p.split,
        places: p.places.map((x) => x.bbox.map((v) => v.toFixed(4))),
        shifted: task(p.shifted),
        cross: task(p.crossSource),
      }),
    );
  }
  if (sets.tiles) {
    h.update(JSON.stringify({ tiles: sets.tiles.files, split: sets.tiles.split }));
  }
  return h.digest('hex').slice(0, 16);
}

async function embedAll(embed: EmbedFn, images: Float32Array[], batchSize: number): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < images.length; i += batchSize) {
    const batch = images.slice(i, i + batchSize);
    const vectors = await embed(batch);
    if (!Array.isArray(vectors) || vectors.length !== batch.length) {
      throw new AppError(
        evalErrorCodes.embedMismatch,
        `embedding function returned ${Array.isArray(vectors) ? vectors.length : typeof vectors} vectors for ${batch.length} images`,
        { retriable: false },
      );
    }
    out.push(...vectors);
  }
  return out;
}

export async function evaluateEncoder(
  embed: EmbedFn,
  sets: EvalSets,
  options: EvaluateOptions = {},
): Promise<EvalReport> {
  const started = performance.now();
  const ks = options.ks ?? [1, 5, 10];
  const batchSize = options.batchSize ?? 64;
  if (!sets.labeled && !sets.proxy && !sets.tiles)
    throw new ValidationError('nothing to evaluate: no labeled set, place proxy or tile set', {
      code: evalErrorCodes.empty,
    });
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ValidationError(`batchSize must be a positive integer, got ${batchSize}`);
  const sizes = [sets.labeled?.inputSize, sets.proxy?.inputSize, sets.tiles?.inputSize].filter(
    (s): s is number => s !== undefined,
  );
  if (new Set(sizes).size > 1)
    throw new ValidationError(`evaluation sets disagree on input size: ${sizes.join(' vs ')}`);

  // The proxy tasks share their query crops: embed each distinct image once (identity, not content).
  const unique: Float32Array[] = [];
  const slot = new Map<Float32Array, number>();
  const register = (images: Float32Array[]) =>
    images.map((img) => {
      let s = slot.get(img);
      if (s === undefined) {
        s = unique.length;
        unique.push(img);
        slot.set(img, s);
      }
      return s;
    });
  const idx = {
    labeled: sets.labeled ? register(sets.labeled.images) : [],
    shiftedQ: sets.proxy ? register(sets.proxy.shifted.queries) : [],
    shiftedG: sets.proxy ? register(sets.proxy.shifted.gallery) : [],
    crossQ: sets.proxy?.crossSource ? register(sets.proxy.crossSource.queries) : [],
    crossG: sets.proxy?.crossSource ? register(sets.proxy.crossSource.gallery) : [],
    tilesQ: sets.tiles ? register(sets.tiles.shifted.queries) : [],
    tilesG: sets.tiles ? register(sets.tiles.shifted.gallery) : [],
  };
  const expected = sizes[0] * sizes[0] * 3;
  unique.forEach((img, i) => {
    if (img.length !== expected)
      throw new ValidationError(
        `image ${i} has ${img.length} values, expected ${expected} (${sizes[0]}x${sizes[0]}x3)`,
        { code: evalErrorCodes.badImage },
      );
  });

  const vectors = await embedAll(embed, unique, batchSize);
  const pick = (slots: number[]) => slots.map((s) => vectors[s]);

  const report: EvalReport = {
    datasetId: datasetId(sets),
    collapseStd: collapseStd(vectors),
    dim: vectors[0].length,
    seconds: 0,
  };
  if (sets.labeled) {
    const l = sets.labeled;
    const p = precisionAtKs(pick(idx.labeled), l.labels, l.groups, ks);
    report.labeled = { precisionAt: p.precisionAt, queries: p.queries, items: l.images.length, chance: p.chance };
  }
  if (sets.proxy) {
    const cross = sets.proxy.crossSource;
    report.proxy = {
      shifted: recallAtKs(pick(idx.shiftedQ), pick(idx.shiftedG), sets.proxy.shifted.truth, ks),
      ...(cross ? { crossSource: recallAtKs(pick(idx.crossQ), pick(idx.crossG), cross.truth, ks) } : {}),
    };
  }
  if (sets.tiles) {
    report.tiles = { shifted: recallAtKs(pick(idx.tilesQ), pick(idx.tilesG), sets.tiles.shifted.truth, ks) };
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
