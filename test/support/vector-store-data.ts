import { randomUUID } from 'node:crypto';
import { createRng, type Rng } from '../../shared/random/index.js';
import type { Filter, TilePayload, VectorPoint } from '../../shared/store/vector-store.js';
import { clampBbox, matrixSize, pointId, tileBbox, tileCenter, type Bbox } from '../../shared/tiles/index.js';

/**
 * Seeded, realistic points for the vector store tests: real GIBS EPSG:4326 tile addresses (edge tiles that
 * reach past 180 E / 90 S and are clamped, tiles on the 180 W seam), several layers, models, levels and days,
 * clustered unit vectors with exact duplicates (ties), and random filters of every kind.
 */

/** One fixed, valid payload (the z3 tile at row 1, col 2) for tests of a single point; `over` changes fields. */
export function samplePayload(over: Partial<TilePayload> = {}): TilePayload {
  return {
    layer: 'MODIS_Terra_CorrectedReflectance_TrueColor',
    date: '2026-06-15T00:00:00Z',
    tms: '250m',
    z: 3,
    row: 1,
    col: 2,
    bbox: [-108, 36, -72, 72],
    center: { lon: -90, lat: 54 },
    model: 'ckpt-a',
    tile_uri: 'tiles/x.jpg',
    sha256: 'a'.repeat(64),
    ingested_at: '2026-06-16T01:02:03Z',
    ...over,
  };
}

export const LAYERS = [
  'MODIS_Terra_CorrectedReflectance_TrueColor',
  'MODIS_Aqua_CorrectedReflectance_TrueColor',
  'VIIRS_SNPP_CorrectedReflectance_TrueColor',
  'VIIRS_NOAA20_CorrectedReflectance_BandsM11-I2-I1',
];
export const MODELS = ['ckpt-20260601000000-0123456789ab', 'ckpt-20260701000000-ba9876543210'];
const FIRST_DAY = Date.UTC(2026, 5, 1);
const DAYS = 90;
const DAY_MS = 86_400_000;

export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function hex(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += rng.int(16).toString(16);
  return out;
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[rng.int(items.length)];

function tileAddress(rng: Rng): { z: number; row: number; col: number } {
  const z = pick(rng, [0, 1, 2, 3, 3, 4, 4, 5, 5, 6]);
  const { cols, rows } = matrixSize(z);
  const edge = rng.next();
  // edges on purpose: the last column is clamped at 180 E, the first starts on 180 W, the last row at 90 S
  const col = edge < 0.15 ? cols - 1 : edge < 0.3 ? 0 : rng.int(cols);
  const row = rng.chance(0.15) ? rows - 1 : rng.int(rows);
  return { z, row, col };
}

export function tilePayload(rng: Rng, overrides: Partial<TilePayload> = {}): TilePayload {
  const { z, row, col } = tileAddress(rng);
  const raw = tileBbox(z, row, col);
  const bbox = clampBbox(raw);
  const day = isoDay(FIRST_DAY + rng.int(DAYS) * DAY_MS);
  return {
    layer: pick(rng, LAYERS),
    date: `${day}T00:00:00Z`,
    tms: '250m',
    z,
    row,
    col,
    bbox,
    center: tileCenter(raw),
    model: pick(rng, MODELS),
    tile_uri: `tiles/${day}/${z}/${row}/${col}.jpg`,
    sha256: hex(rng, 64),
    ingested_at: new Date(FIRST_DAY + rng.int(DAYS * 24) * 3_600_000).toISOString(),
    ...overrides,
  };
}

export function unitVector(values: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < values.length; i++) norm += values[i] * values[i];
  const scale = 1 / Math.sqrt(norm);
  return Float32Array.from(values, (v) => v * scale);
}

export function randomUnitVector(rng: Rng, dimension: number): Float32Array {
  return unitVector(Array.from({ length: dimension }, () => rng.normal()));
}

/** `count` points with distinct tile ids; vectors around a few centres, 5 % exact copies of another's. */
export function tilePoints(seed: number, count: number, dimension: number): VectorPoint[] {
  const rng = createRng(seed);
  const centres = Array.from({ length: 8 }, () => randomUnitVector(rng, dimension));
  const points = new Map<string, VectorPoint>();
  while (points.size < count) {
    const payload = tilePayload(rng);
    const id = pointId(payload.layer, payload.date.slice(0, 10), payload.tms, payload.z, payload.row, payload.col);
    if (points.has(id)) continue;
    const existing = [...points.values()];
    const vector =
      existing.length > 0 && rng.chance(0.05)
        ? Float32Array.from(pick(rng, existing).vector)
        : unitVector(Array.from(pick(rng, centres), (c) => c + 0.4 * rng.normal()));
    points.set(id, { id, vector, payload });
  }
  return [...points.values()];
}

function randomBox(rng: Rng, points: readonly VectorPoint[]): Bbox {
  const kind = rng.int(5);
  if (kind === 0) {
    // a box touching a stored footprint from outside: one of its edges equals the footprint's
    const [w, s, e, n] = pick(rng, points).payload.bbox;
    const side = rng.int(4);
    if (side === 0) return e === 180 ? [-180, s, -170, n] : [e, s, Math.min(180, e + 10), n];
    if (side === 1) return w === -180 ? [170, s, 180, n] : [Math.max(-180, w - 10), s, w, n];
    if (side === 2 && n < 90) return [w, n, e, Math.min(90, n + 5)];
    if (s > -90) return [w, Math.max(-90, s - 5), e, s];
  }
  if (kind === 1)
    return pick(rng, [
      [-180, -30, -170, 30],
      [175, -90, 180, 0],
      [170, -20, -175, 20],
    ] as Bbox[]);
  const south = rng.uniform(-90, 80);
  const north = Math.min(90, south + rng.uniform(1, 90));
  const west = rng.uniform(-180, 180);
  let east = west + rng.uniform(1, 200);
  if (east > 180) east -= 360; // crosses the antimeridian
  return [west, south, east, north];
}

function leafFilter(rng: Rng, points: readonly VectorPoint[]): Filter {
  switch (rng.int(7)) {
    case 0: {
      const a = FIRST_DAY + rng.int(DAYS) * DAY_MS;
      const b = a + rng.int(40) * DAY_MS;
      const form = rng.int(3);
      if (form === 0) return { date: { gte: isoDay(a), lte: isoDay(b) } };
      if (form === 1) return { date: { gte: new Date(a - 3_600_000).toISOString().replace('.000Z', '+01:00') } };
      return { date: { lte: `${isoDay(b)}T00:00:00.000Z` } };
    }
    case 1: {
      const box = randomBox(rng, points);
      return box[1] < box[3] && box[0] !== box[2] ? { bbox: box } : { bbox: [-10, -10, 10, 10] };
    }
    case 2: {
      const c = pick(rng, points).payload.center;
      return { near: { lon: c.lon, lat: c.lat, radiusKm: rng.uniform(50, 4000) } };
    }
    case 3:
      return { layer: [pick(rng, LAYERS), rng.chance(0.3) ? 'NO_SUCH_LAYER' : pick(rng, LAYERS)] };
    case 4:
      return { z: [rng.int(7), rng.int(7)] };
    case 5:
      return { model: [pick(rng, MODELS)] };
    default:
      return { id: [...Array.from({ length: 1 + rng.int(30) }, () => pick(rng, points).id), randomUUID()] };
  }
}

/** A random filter tree (and / or / not over leaves of every kind), at most `depth` levels. */
export function randomFilter(rng: Rng, points: readonly VectorPoint[], depth = 3): Filter {
  const roll = rng.next();
  if (depth <= 1 || roll < 0.45) return leafFilter(rng, points);
  if (roll < 0.7) return { and: Array.from({ length: 2 + rng.int(2) }, () => randomFilter(rng, points, depth - 1)) };
  if (roll < 0.9) return { or: Array.from({ length: 2 + rng.int(2) }, () => randomFilter(rng, points, depth - 1)) };
  return { not: randomFilter(rng, points, depth - 1) };
}
