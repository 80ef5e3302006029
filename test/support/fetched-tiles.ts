import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { BlobStore } from '../../shared/blob/index.js';
import { produceTyped, type Bus, type TopicPayload } from '../../shared/bus/index.js';
import { sha256Hex } from '../../shared/fs/index.js';
import { clampBbox, pointId, tileBbox, tileBlobKey } from '../../shared/tiles/index.js';
import { kit } from './data-kit.js';

export const LAYER = 'BlueMarble_ShadedRelief_Bathymetry';
export const TMS = '500m';

export type FetchedTile = TopicPayload<'tiles.fetched'>;

/** Real Blue Marble JPEGs from the data kit, sorted, read once. */
let kitTiles: Uint8Array[] | undefined;
export async function realTiles(): Promise<Uint8Array[]> {
  if (kitTiles) return kitTiles;
  const root = kit('bluemarble');
  const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.jpg')).sort();
  kitTiles = await Promise.all(files.map(async (f) => new Uint8Array(await readFile(path.join(root, f)))));
  return kitTiles;
}

/** The i-th tile of a synthetic harvest: a distinct place and date per i (its bytes: the i-th real tile, cycled). */
export function tileAddress(i: number): Omit<FetchedTile, 'sha256' | 'bytes' | 'fetched_at'> {
  const z = 3;
  const row = i % 5;
  const col = Math.floor(i / 5) % 10;
  const month = 1 + (Math.floor(i / 50) % 12);
  const day = 1 + (Math.floor(i / 600) % 28);
  const date = `2020-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return {
    v: 1,
    id: pointId(LAYER, date, TMS, z, row, col),
    layer: LAYER,
    date,
    tms: TMS,
    z,
    row,
    col,
    bbox: clampBbox(tileBbox(z, row, col)),
    blob_key: tileBlobKey({ layer: LAYER, date, tms: TMS, z, row, col }, 'jpg'),
    content_type: 'image/jpeg',
  };
}

/** What a harvester does for tiles from..from+n-1: bytes into the tile store, then their tiles.fetched records. */
export async function harvestTiles(bus: Bus, blobs: BlobStore, from: number, n: number): Promise<FetchedTile[]> {
  const images = await realTiles();
  const tiles: FetchedTile[] = [];
  for (let i = from; i < from + n; i++) {
    const bytes = images[i % images.length];
    const tile: FetchedTile = {
      ...tileAddress(i),
      sha256: sha256Hex(bytes),
      bytes: bytes.byteLength,
      fetched_at: new Date().toISOString(),
    };
    await blobs.put(tile.blob_key, bytes);
    tiles.push(tile);
  }
  await produceTyped(
    bus,
    'tiles.fetched',
    tiles.map((t) => ({ key: t.id, value: t })),
  );
  return tiles;
}
