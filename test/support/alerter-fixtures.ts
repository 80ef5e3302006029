/**
 * Vectors, tiles.embedded messages and a table-driven ReferenceEmbedder for the alerter's tests
 * (test/unit/alerter/harness.ts builds on them) and its benchmark (test/bench/alerter.bench.ts).
 */
import type { TopicPayload } from '../../shared/bus/index.js';
import { AppError, ValidationError, errorCodes } from '../../shared/errors/index.js';
import { sha256Hex } from '../../shared/fs/index.js';
import type { QueryImage } from '../../shared/model/infer/index.js';
import { clampBbox, pointId, tileBbox, tileBlobKey, tileCenter } from '../../shared/tiles/index.js';
import type { ReferenceEmbedder } from '../../services/alerter/index.js';
import { mulberry32 } from '../../shared/random/index.js';

/** the alerter's clock in these tests: tiles dated 2026-06-09 are one day old */
export const NOW = new Date('2026-06-10T12:00:00.000Z');
export const RECENT = '2026-06-09';
export const LAYER = 'MODIS_Terra_CorrectedReflectance_TrueColor';
export const DIM = 32;

export type Embedded = TopicPayload<'tiles.embedded'>;

/** a seeded generator (shared/random mulberry32): the same vectors on every run */
export const seeded = (seed: number): (() => number) => mulberry32(seed);

export function unit(v: ArrayLike<number>): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  return Float32Array.from(v, (x) => x / n);
}

export function randomUnit(random: () => number, dim = DIM): Float32Array {
  return unit(Array.from({ length: dim }, () => random() * 2 - 1));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** a unit vector whose cosine with the unit vector `ref` is exactly `cos` (up to float32 rounding) */
export function atCosine(ref: Float32Array, cos: number, random: () => number): Float32Array {
  const r = randomUnit(random, ref.length);
  const along = dot(r, ref);
  const ortho = unit(Array.from(r, (x, i) => x - along * ref[i]));
  const sin = Math.sqrt(1 - cos * cos);
  return Float32Array.from(ref, (x, i) => cos * x + sin * ortho[i]);
}

/**
 * The ReferenceEmbedder port as a table: (model, image bytes) → the vector a test chose. It stands in for the
 * ONNX model (reference-embedder.test.ts runs the real one), so scoring tests can put a tile at a known angle.
 */
export class TableEmbedder implements ReferenceEmbedder {
  calls: Array<{ model: string; images: number }> = [];
  private readonly table = new Map<string, Float32Array>();

  set(model: string, bytes: Uint8Array, vector: Float32Array): void {
    this.table.set(`${model}/${sha256Hex(bytes)}`, vector);
  }

  async embed(model: string, images: readonly QueryImage[]): Promise<Float32Array[]> {
    this.calls.push({ model, images: images.length });
    return images.map((image) => {
      const v = this.table.get(`${model}/${sha256Hex(image.bytes)}`);
      // what the real embedder says of bytes it cannot decode
      if (!v && new TextDecoder().decode(image.bytes).startsWith('corrupt'))
        throw new ValidationError(`${image.label} is not a decodable JPEG/PNG image`, { code: errorCodes.undecodable });
      if (!v) throw new AppError('TEST_NO_VECTOR', `no vector for ${image.label} under ${model}`, { retriable: false });
      return v;
    });
  }

  async close(): Promise<void> {}
}

export interface TileOptions {
  /** distinguishes tiles: the place (row, col) and the default bytes */
  i: number;
  vector: Float32Array;
  model?: string;
  date?: string;
  layer?: string;
  /** the tile's bytes' hash (default: derived from i) */
  sha256?: string;
  z?: number;
}

/** a tiles.embedded message as an embedder produces it */
export function embedded(o: TileOptions): Embedded {
  const layer = o.layer ?? LAYER;
  const date = o.date ?? RECENT;
  const z = o.z ?? 3;
  const row = o.i % 5;
  const col = Math.floor(o.i / 5) % 10;
  const bbox = clampBbox(tileBbox(z, row, col));
  const model = o.model ?? 'model-a';
  return {
    v: 1,
    id: pointId(layer, date, '250m', z, row, col),
    model,
    vector: Array.from(o.vector),
    payload: {
      layer,
      date: `${date}T00:00:00Z`,
      tms: '250m',
      z,
      row,
      col,
      bbox,
      center: tileCenter(bbox),
      model,
      tile_uri: tileBlobKey({ layer, date, tms: '250m', z, row, col }, 'jpg'),
      sha256: o.sha256 ?? sha256Hex(new TextEncoder().encode(`tile ${o.i} ${layer} ${date}`)),
      ingested_at: NOW.toISOString(),
    },
    embedded_at: NOW.toISOString(),
  };
}
