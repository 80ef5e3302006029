import type { BlobStore } from '../../../shared/blob/index.js';
import { ValidationError } from '../../../shared/errors/index.js';
import { bboxSplit } from '../../../shared/model/eval/index.js';
import { mixSeed, mulberry32 } from '../../../shared/random/index.js';
import { TILE_BLOB_PREFIX, parseTileBlobKey, tileBbox } from '../../../shared/tiles/index.js';

const DAY_MS = 86_400_000;
/** a century: far beyond any imagery archive, and well inside what Date can represent */
const MAX_WINDOW_DAYS = 36_500;
/** The tile formats the training loader decodes (services/trainer/training-data.ts reads the same). */
const TRAINABLE_EXTENSIONS = new Set(['jpg', 'png']);

export interface TileSampleOptions {
  /** tiles whose imagery date (from the key) lies in the last this many days, today (UTC) included; default: any day */
  windowDays?: number;
  /** at most this many tiles (a uniform random sample of the window); default: all of them */
  sampleSize?: number;
  seed: number;
  now: Date;
}

export interface TileSample {
  /** the chosen tile keys, in the store's (lexicographic) order */
  keys: string[];
  /** trainable tiles in the window: the population the sample is drawn from */
  population: number;
  /** first and last day of the window, YYYY-MM-DD; undefined: any day */
  window?: { from: string; to: string };
  /**
   * tiles of any date wholly in the evaluation's held-out cells: what the gate's tile proxy can use (an upper
   * bound: the evaluation also drops uninformative ones)
   */
  heldOut: number;
  /** the seed of this sample and of the run that trains on it: the configured seed mixed with the day */
  seed: number;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * A seeded uniform sample of the tile store's trainable tiles dated within the window: one pass over the
 * listing (reservoir sampling, memory bounded by `sampleSize`). Tiles wholly in the evaluation's held-out
 * cells are not trainable: they are counted (`heldOut`) and left out before sampling; tiles straddling both
 * sides stay (the loader blacks out their held-out pixels). The seed is mixed with the day, so each day's run sees another sample
 * and a run can be reproduced from its date.
 */
export async function sampleWindowTiles(blobs: BlobStore, options: TileSampleOptions): Promise<TileSample> {
  const { windowDays, seed, now } = options;
  const sampleSize = options.sampleSize ?? Number.POSITIVE_INFINITY;
  if (windowDays !== undefined && (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS))
    throw new ValidationError(
      `windowDays must be a whole number of days from 1 to ${MAX_WINDOW_DAYS}, got ${windowDays}`,
    );
  if (options.sampleSize !== undefined && (!Number.isInteger(sampleSize) || sampleSize < 1))
    throw new ValidationError(`sampleSize must be an integer ≥ 1, got ${sampleSize}`);
  if (!Number.isFinite(now.getTime())) throw new ValidationError('now must be a valid date');
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const window =
    windowDays === undefined ? undefined : { from: isoDay(today - (windowDays - 1) * DAY_MS), to: isoDay(today) };
  const sampleSeed = mixSeed(seed, today / DAY_MS);
  const random = mulberry32(sampleSeed);

  const reservoir: string[] = [];
  let population = 0;
  let heldOut = 0;
  for await (const key of blobs.list(TILE_BLOB_PREFIX)) {
    const tile = parseTileBlobKey(key);
    if (!tile || !TRAINABLE_EXTENSIONS.has(tile.ext)) continue;
    if (bboxSplit(tileBbox(tile.z, tile.row, tile.col)) === 'eval') {
      heldOut++;
      continue;
    }
    // YYYY-MM-DD strings compare as the days they name
    if (window && (tile.date < window.from || tile.date > window.to)) continue;
    population++;
    if (reservoir.length < sampleSize) reservoir.push(key);
    else {
      const slot = Math.floor(random() * population);
      if (slot < sampleSize) reservoir[slot] = key;
    }
  }
  return { keys: reservoir.sort(), population, window, heldOut, seed: sampleSeed };
}
