import { matrixSize } from '../../shared/tiles/index.js';
import type { RealTile } from './real-tiles.js';
import type { ServedLayer } from './replay-catalog.js';

/**
 * For load tests (ReplayOptions.repeatRealTiles): the imagery a tile without any answers with instead, one
 * of its layer's own imagery tiles, or undefined for a layer without imagery (it stays blank).
 */
export type RepeatTile = (
  layer: ServedLayer,
  date: string | undefined,
  z: number,
  row: number,
  col: number,
) => Promise<Buffer | undefined>;

type Loader = () => Promise<Buffer | undefined>;

/**
 * Every imagery tile of a layer (its real tiles, then each mosaic pyramid's tiles), in a fixed order, and a
 * pick by a hash of the requested position: the same request always gets the same bytes, neighbours get
 * different ones, and nothing depends on the order requests arrive in.
 */
export function createTileRepeater(readRealTile: (tile: RealTile) => Promise<Buffer>): RepeatTile {
  const pools = new Map<string, Loader[]>();
  const poolOf = (layer: ServedLayer): Loader[] => {
    let pool = pools.get(layer.id);
    if (!pool) {
      pool = buildPool(layer, readRealTile);
      pools.set(layer.id, pool);
    }
    return pool;
  };
  return async (layer, date, z, row, col) => {
    const pool = poolOf(layer);
    if (pool.length === 0) return undefined;
    return pool[positionHash(`${date ?? 'static'}/${z}/${row}/${col}`) % pool.length]();
  };
}

function buildPool(layer: ServedLayer, readRealTile: (tile: RealTile) => Promise<Buffer>): Loader[] {
  const pool: Loader[] = [];
  for (const key of [...layer.realTiles.keys()].sort()) {
    const tile = layer.realTiles.get(key) as RealTile;
    pool.push(() => readRealTile(tile));
  }
  for (const key of [...layer.mosaics.keys()].sort()) {
    const pyramid = layer.mosaics.get(key);
    if (!pyramid) continue;
    for (const z of pyramid.info.levels) {
      const { cols, rows } = matrixSize(z);
      for (let row = 0; row < rows; row++)
        for (let col = 0; col < cols; col++) pool.push(() => pyramid.tile(z, row, col));
    }
  }
  return pool;
}

/** FNV-1a (32 bit): cheap, stable across runs and platforms, and spreads adjacent positions apart. */
function positionHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
