/**
 * The label-free proxy: can the encoder find another view of the same place among many other places?
 *
 * The places come from whole-globe mosaics named by configuration (`mosaics`), never from file names of a
 * particular data folder: any deployment can point the gate at its own. Each mosaic must be a plate carrée
 * image of the whole globe in EPSG:4326 (x ∝ lon + 180 over 360°, y ∝ 90 − lat over 180°, so width = 2 ×
 * height), which is what GIBS serves for a global EPSG:4326 request; a mosaic of another shape is refused.
 *
 * One place per split cell (see place-split.ts), at a seeded position inside the cell. The query is a crop
 * of the primary mosaic there. Two tasks, each with its own gallery:
 * - shifted: the positive is the primary mosaic cropped again, shifted by `shiftFraction` of the crop in one
 *   of 8 directions (75% overlap at 0.25); the gallery holds the shifted crops of every place.
 * - crossSource (only with a second mosaic): the positive is the same footprint in the cross-source mosaic
 *   (with the development kit: Blue Marble, another sensor and season, cloud-free); the gallery holds those
 *   crops of every place.
 * Query and positive stay inside one cell and cells never share pixels, so a place's views never overlap
 * another place's, and with split 'eval' none of it overlaps any crop the trainer may use.
 *
 * Views that carry no signal are skipped, because a task that no encoder can solve only adds noise: a view
 * is "uninformative" when more than `maxDarkFraction` of its pixels are no-data black (swath gaps, polar
 * night, brightest channel < 0.05) or when its per-channel standard deviation, averaged over RGB, is below
 * `minStd` (featureless open ocean in Blue Marble, solid cloud decks). A place enters a task only when the
 * query and that task's positive are both informative.
 */
import { ValidationError } from '../../errors/index.js';
import { cropToTensor, pickShiftDirection, rasterStats, RasterCache, type PixelRect, type Raster } from './raster.js';
import { SPLIT_CELL_DEG, splitCells, type Split } from './place-split.js';
import type { Bbox } from '../../tiles/index.js';
import { mulberry32, mixSeed, shuffled } from '../../random/index.js';
import { evalErrorCodes } from './eval-errors.js';

/** Image files of whole-globe EPSG:4326 plate carrée mosaics (see the module comment). */
export interface PlaceProxyMosaics {
  /** the queries and their shifted positives */
  primary: string;
  /** positives of the cross-source task (same places, another source); without it that task is absent */
  crossSource?: string;
}

export interface PlaceProxyOptions {
  mosaics: PlaceProxyMosaics;
  inputSize: number;
  /** default 'eval'; 'train' builds the same task on training places (an overfitting check, never the gate) */
  split?: Split;
  /** picks each place's position in its cell, its shift direction, and the subsample (default 1) */
  seed?: number;
  /** at most this many places per task (default: every usable cell of the split) */
  places?: number;
  /** crop side in degrees (default 6: ~67 px of the MODIS mosaic, ~2/3 of a GIBS level-5 tile) */
  cropDeg?: number;
  /** shift of the positive, as a fraction of the crop side (default 0.5; see the module comment) */
  shiftFraction?: number;
  /** uninformative-view thresholds (defaults 0.04 and 0.02), see the module comment */
  minStd?: number;
  maxDarkFraction?: number;
  /**
   * mosaics are shrunk on decode to at most this width (default 4096 px, ~0.09°/px): crops are resized far
   * below that anyway, and a bigger raster only costs memory
   */
  maxMosaicWidth?: number;
  /** keep decoded mosaics across calls (default: a fresh cache, dropped after the call) */
  cache?: RasterCache;
}

export interface Place {
  /** the query's footprint (the shifted positive is offset from it by `shift`) */
  bbox: Bbox;
  cell: { col: number; row: number };
  /** offset of the shifted view in degrees, east and north */
  shift: { dLon: number; dLat: number };
}

export interface RetrievalTask {
  queries: Float32Array[];
  gallery: Float32Array[];
  /** truth[q] = index in `gallery` of query q's positive */
  truth: number[];
  /** place[q] = index in `PlaceProxySet.places` of query q */
  place: number[];
}

export interface PlaceProxySet {
  split: Split;
  inputSize: number;
  places: Place[];
  shifted: RetrievalTask;
  /** present exactly when a cross-source mosaic was given */
  crossSource?: RetrievalTask;
  /** candidate places (cells of the split) and why views were refused */
  candidates: number;
  skipped: {
    queryUninformative: number;
    shiftedUninformative: number;
    /** 0 without a cross-source mosaic */
    crossSourceUninformative: number;
    /** informative query, but neither positive was: the place is dropped from both tasks */
    noPositive: number;
  };
}

/** The pixels of a whole-globe plate carrée raster under a lon/lat box (rounded to whole pixels). */
export function bboxToRect(raster: Raster, [minLon, minLat, maxLon, maxLat]: Bbox): PixelRect {
  // every mosaic is plate carrée over the whole globe (checked on load): x ∝ lon + 180, y ∝ 90 - lat
  const x0 = Math.round(((minLon + 180) / 360) * raster.width);
  const x1 = Math.round(((maxLon + 180) / 360) * raster.width);
  const y0 = Math.round(((90 - maxLat) / 180) * raster.height);
  const y1 = Math.round(((90 - minLat) / 180) * raster.height);
  return { left: x0, top: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0) };
}

type CheckedOptions = Required<Omit<PlaceProxyOptions, 'cache' | 'places'>> & { places: number };

function checkOptions(o: PlaceProxyOptions): CheckedOptions {
  const mosaics: PlaceProxyMosaics | undefined = o.mosaics; // undefined from untyped callers
  if (
    mosaics === undefined ||
    typeof mosaics.primary !== 'string' ||
    mosaics.primary === '' ||
    (mosaics.crossSource !== undefined && (typeof mosaics.crossSource !== 'string' || mosaics.crossSource === ''))
  ) {
    throw new ValidationError(
      'the place proxy needs mosaics: { primary: FILE, crossSource?: FILE } (whole-globe EPSG:4326 images)',
    );
  }
  const maxMosaicWidth = o.maxMosaicWidth ?? 4096;
  if (!Number.isInteger(maxMosaicWidth) || maxMosaicWidth < 360) {
    throw new ValidationError(
      `maxMosaicWidth must be an integer of at least 360 (1 px per degree), got ${maxMosaicWidth}`,
    );
  }
  const inputSize = o.inputSize;
  if (!Number.isInteger(inputSize) || inputSize < 8 || inputSize > 1024)
    throw new ValidationError(`inputSize must be an integer in 8..1024, got ${inputSize}`);
  const cropDeg = o.cropDeg ?? 6;
  const shiftFraction = o.shiftFraction ?? 0.5;
  if (!(shiftFraction > 0 && shiftFraction < 1))
    throw new ValidationError(`shiftFraction must be in (0, 1), got ${shiftFraction}`);
  if (!(cropDeg > 0) || cropDeg * (1 + shiftFraction) > SPLIT_CELL_DEG) {
    throw new ValidationError(
      `cropDeg ${cropDeg} with shift ${shiftFraction} does not fit a ${SPLIT_CELL_DEG}° split cell`,
    );
  }
  const split = o.split ?? 'eval';
  if (split !== 'eval' && split !== 'train')
    throw new ValidationError(`split must be 'eval' or 'train', got ${String(split)}`);
  const places = o.places ?? Number.POSITIVE_INFINITY;
  if (!(places >= 2))
    throw new ValidationError(`places must be at least 2 (a gallery needs distractors), got ${places}`);
  return {
    mosaics,
    maxMosaicWidth,
    inputSize,
    split,
    seed: o.seed ?? 1,
    places,
    cropDeg,
    shiftFraction,
    minStd: o.minStd ?? 0.04,
    maxDarkFraction: o.maxDarkFraction ?? 0.02,
  };
}

async function mapInChunks<T, R>(items: readonly T[], chunk: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += chunk) out.push(...(await Promise.all(items.slice(i, i + chunk).map(fn))));
  return out;
}

/** Decodes a mosaic and refuses one that cannot be a whole-globe plate carrée (width = 2 × height). */
async function loadMosaic(cache: RasterCache, file: string, maxWidth: number): Promise<Raster> {
  const raster = await cache.get(file, { maxWidth });
  // one pixel of slack: a shrink on decode rounds both sides
  if (Math.abs(raster.width - 2 * raster.height) > 1) {
    throw new ValidationError(
      `mosaic ${file} is ${raster.width}x${raster.height} (at most ${maxWidth} wide); the place proxy needs a whole-globe EPSG:4326 plate carrée image, twice as wide as high`,
      { code: evalErrorCodes.badMosaic },
    );
  }
  return raster;
}

export async function buildPlaceProxySet(options: PlaceProxyOptions): Promise<PlaceProxySet> {
  const o = checkOptions(options);
  const cache = options.cache ?? new RasterCache();
  const [primary, cross] = await Promise.all([
    loadMosaic(cache, o.mosaics.primary, o.maxMosaicWidth),
    o.mosaics.crossSource === undefined ? undefined : loadMosaic(cache, o.mosaics.crossSource, o.maxMosaicWidth),
  ]);
  // judged on the mosaic's own pixels, not the resized crop, so every input size gets the same places
  const informative = (raster: Raster, box: Bbox) => {
    const s = rasterStats(raster, bboxToRect(raster, box));
    return s.meanStd >= o.minStd && s.darkFraction <= o.maxDarkFraction;
  };

  const cells = splitCells(o.split);
  const skipped = { queryUninformative: 0, shiftedUninformative: 0, crossSourceUninformative: 0, noPositive: 0 };
  type Candidate = { place: Place; query: Float32Array; shifted?: Float32Array; cross?: Float32Array };
  const kept: Candidate[] = [];
  // Cut the three views of a cell concurrently (sharp works on libuv's pool); collect in cell order so the
  // result does not depend on timing.
  const placed = cells.map((cell) => {
    const rng = mulberry32(mixSeed(o.seed, cell.col, cell.row));
    const [dx, dy] = pickShiftDirection(rng);
    const shift = { dLon: dx * o.shiftFraction * o.cropDeg, dLat: dy * o.shiftFraction * o.cropDeg };
    // room left in the cell once the crop and its shifted copy are both inside
    const [cMinLon, cMinLat] = cell.bbox;
    const slack = SPLIT_CELL_DEG - o.cropDeg - o.shiftFraction * o.cropDeg;
    const minLon = cMinLon + Math.max(0, -shift.dLon) + rng() * slack;
    const minLat = cMinLat + Math.max(0, -shift.dLat) + rng() * slack;
    const bbox: Bbox = [minLon, minLat, minLon + o.cropDeg, minLat + o.cropDeg];
    const shiftedBox: Bbox = [bbox[0] + shift.dLon, bbox[1] + shift.dLat, bbox[2] + shift.dLon, bbox[3] + shift.dLat];
    return { place: { bbox, cell: { col: cell.col, row: cell.row }, shift }, shiftedBox };
  });
  const usable: { place: Place; shiftedBox: Bbox; shifted: boolean; cross: boolean }[] = [];
  for (const p of placed) {
    if (!informative(primary, p.place.bbox)) {
      skipped.queryUninformative++;
      continue;
    }
    const shifted = informative(primary, p.shiftedBox);
    const crossOk = cross !== undefined && informative(cross, p.place.bbox);
    if (!shifted) skipped.shiftedUninformative++;
    if (cross !== undefined && !crossOk) skipped.crossSourceUninformative++;
    if (shifted || crossOk) usable.push({ ...p, shifted, cross: crossOk });
    else skipped.noPositive++;
  }
  // Cut the views concurrently (sharp works on libuv's pool); collected in place order, so the result
  // does not depend on timing.
  kept.push(
    ...(await mapInChunks(usable, 16, async (u): Promise<Candidate> => {
      const [query, shifted, crossView] = await Promise.all([
        cropToTensor(primary, bboxToRect(primary, u.place.bbox), o.inputSize),
        u.shifted ? cropToTensor(primary, bboxToRect(primary, u.shiftedBox), o.inputSize) : undefined,
        u.cross && cross !== undefined ? cropToTensor(cross, bboxToRect(cross, u.place.bbox), o.inputSize) : undefined,
      ]);
      return { place: u.place, query, shifted, cross: crossView };
    })),
  );

  const places: Place[] = kept.map((c) => c.place);
  const task = (pick: (c: Candidate) => Float32Array | undefined, salt: number): RetrievalTask => {
    const withPositive = kept.map((c, i) => ({ i, positive: pick(c) })).filter((x) => x.positive !== undefined);
    const chosen = shuffled(withPositive, mulberry32(mixSeed(o.seed, salt)))
      .slice(0, o.places)
      .sort((a, b) => a.i - b.i);
    return {
      queries: chosen.map((x) => kept[x.i].query),
      gallery: chosen.map((x) => x.positive as Float32Array),
      truth: chosen.map((_, q) => q),
      place: chosen.map((x) => x.i),
    };
  };
  const result: PlaceProxySet = {
    split: o.split,
    inputSize: o.inputSize,
    places,
    shifted: task((c) => c.shifted, 1),
    ...(cross === undefined ? {} : { crossSource: task((c) => c.cross, 2) }),
    candidates: cells.length,
    skipped,
  };
  for (const [name, t] of [
    ['shifted', result.shifted],
    ['crossSource', result.crossSource],
  ] as const) {
    if (t !== undefined && t.queries.length < 2) {
      throw new ValidationError(
        `place proxy (${name}): only ${t.queries.length} usable places in split '${o.split}'; the thresholds or crop size leave too little`,
        { code: evalErrorCodes.noQueries },
      );
    }
  }
  return result;
}
