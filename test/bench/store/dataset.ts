/**
 * The store benchmark's points: vectors plus realistic tile payloads, held in typed arrays (1 M payload objects
 * would cost gigabytes) and made into VectorPoints one batch at a time.
 */
import type { TilePayload, VectorPoint } from '../../../shared/store/index.js';
import {
  TILE_ID_NAMESPACE,
  clampBbox,
  matrixSize,
  tileBbox,
  tileCenter,
  uuidV5,
  type Bbox,
} from '../../../shared/tiles/index.js';
import { random, sampleMixture, type Mixture } from './mixture.js';

export const LAYERS = [
  'MODIS_Terra_CorrectedReflectance_TrueColor',
  'MODIS_Aqua_CorrectedReflectance_TrueColor',
  'VIIRS_SNPP_CorrectedReflectance_TrueColor',
  'VIIRS_NOAA20_CorrectedReflectance_TrueColor',
  'GOES-East_ABI_Band13_Clean_Infrared',
];
/** share of points per layer: the MODIS true colour layers dominate a harvest */
const LAYER_WEIGHTS = [0.4, 0.25, 0.15, 0.12, 0.08];
export const DAYS = 365;
const FIRST_DAY_MS = Date.UTC(2025, 6, 1);
const LEVELS = [4, 5, 6, 7, 8];

export const dayIso = (day: number): string => new Date(FIRST_DAY_MS + day * 86_400_000).toISOString().slice(0, 10);

/** n points: vectors (row-major, unit), ids, and the payload fields as columns. */
export interface Dataset {
  n: number;
  dim: number;
  vectors: Float32Array;
  /** 1 / |v| in float64, as the store re-ranks by cosine on the stored float32 vectors */
  invNorms: Float64Array;
  ids: string[];
  layer: Uint8Array;
  day: Uint16Array;
  z: Uint8Array;
  row: Uint16Array;
  col: Uint16Array;
  /** clamped footprints, 4 per point */
  bbox: Float64Array;
  modelId: string;
}

/** Real vectors first (as many as given), then mixture samples; payloads seeded. */
export function makeDataset(
  n: number,
  real: readonly Float32Array[],
  mixture: Mixture,
  modelId: string,
  seed: number,
): Dataset {
  const dim = mixture.scales.length;
  const vectors = new Float32Array(n * dim);
  const realUsed = Math.min(real.length, n);
  for (let i = 0; i < realUsed; i++) vectors.set(real[i], i * dim);
  sampleMixture(mixture, vectors, realUsed, n - realUsed, seed);
  const rand = random(seed + 1);
  const ds: Dataset = {
    n,
    dim,
    vectors,
    invNorms: new Float64Array(n),
    ids: new Array<string>(n),
    layer: new Uint8Array(n),
    day: new Uint16Array(n),
    z: new Uint8Array(n),
    row: new Uint16Array(n),
    col: new Uint16Array(n),
    bbox: new Float64Array(n * 4),
    modelId,
  };
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += vectors[i * dim + d] ** 2;
    ds.invNorms[i] = 1 / Math.sqrt(norm);
    // ids unique by construction; the payload's tile address is random, as re-harvests of a tile would be
    ds.ids[i] = uuidV5(`store-bench/${seed}/${i}`, TILE_ID_NAMESPACE);
    let u = rand();
    let l = 0;
    while (l < LAYER_WEIGHTS.length - 1 && u >= LAYER_WEIGHTS[l]) u -= LAYER_WEIGHTS[l++];
    ds.layer[i] = l;
    ds.day[i] = Math.floor(rand() * DAYS);
    const z = LEVELS[Math.floor(rand() * LEVELS.length)];
    const { rows, cols } = matrixSize(z);
    ds.z[i] = z;
    ds.row[i] = Math.floor(rand() * rows);
    ds.col[i] = Math.floor(rand() * cols);
    ds.bbox.set(clampBbox(tileBbox(z, ds.row[i], ds.col[i])), i * 4);
  }
  return ds;
}

export function footprint(ds: Dataset, i: number): Bbox {
  return [ds.bbox[i * 4], ds.bbox[i * 4 + 1], ds.bbox[i * 4 + 2], ds.bbox[i * 4 + 3]];
}

export function payloadOf(ds: Dataset, i: number): TilePayload {
  const date = dayIso(ds.day[i]);
  const bbox = footprint(ds, i);
  const hex = ds.ids[i].replaceAll('-', '');
  return {
    layer: LAYERS[ds.layer[i]],
    date: `${date}T00:00:00Z`,
    tms: '250m',
    z: ds.z[i],
    row: ds.row[i],
    col: ds.col[i],
    bbox,
    center: tileCenter(bbox),
    model: ds.modelId,
    tile_uri: `tiles/${LAYERS[ds.layer[i]]}/${date}/250m/${ds.z[i]}/${ds.row[i]}/${ds.col[i]}.jpg`,
    sha256: hex + hex,
    ingested_at: `${date}T06:00:00Z`,
  };
}

export function pointsOf(ds: Dataset, from: number, to: number): VectorPoint[] {
  const points: VectorPoint[] = [];
  for (let i = from; i < to; i++) {
    points.push({
      id: ds.ids[i],
      vector: ds.vectors.subarray(i * ds.dim, (i + 1) * ds.dim),
      payload: payloadOf(ds, i),
    });
  }
  return points;
}
