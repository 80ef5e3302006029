import type { Extent } from 'ol/extent.js';
import TileImage from 'ol/source/TileImage.js';
import TileGrid from 'ol/tilegrid/TileGrid.js';

/** The EPSG:4326 world; GIBS tile matrices start at its top-left corner. */
export const WORLD: Extent = [-180, -90, 180, 90];

/** Degrees per pixel at level 0 of every GIBS EPSG:4326 tile matrix set (512 px tiles, 2×1 of them). */
const LEVEL0_RESOLUTION = 0.5625;
const TILE_SIZE = 512;

/** Deepest level of each GIBS EPSG:4326 tile matrix set (from the WMTS capabilities). */
const TMS_MAX_LEVEL: Readonly<Record<string, number>> = {
  '16km': 2,
  '2km': 5,
  '1km': 6,
  '500m': 7,
  '250m': 8,
  '31.25m': 11,
  '15.625m': 12,
};

/** The static base map: present in GIBS (and in the replay server) for every date. */
export const BASE_LAYER = { layer: 'BlueMarble_ShadedRelief_Bathymetry', tms: '500m' } as const;

export function maxLevel(tms: string): number {
  return TMS_MAX_LEVEL[tms] ?? 5;
}

export function resolutionAt(z: number): number {
  return LEVEL0_RESOLUTION / 2 ** z;
}

/**
 * The tile grid of a GIBS EPSG:4326 matrix set: origin (-180, 90), 512 px tiles, 0.5625/2^z degrees per pixel.
 * Tile ranges come from the world extent, which gives GIBS's matrix sizes (z0 2×1, z1 3×2, z2 5×3, z3 10×5 …),
 * and the levels stop at the set's deepest one: a tile outside either would be a 400 from GIBS.
 */
export function gibsTileGrid(tms: string): TileGrid {
  const resolutions = Array.from({ length: maxLevel(tms) + 1 }, (_, z) => resolutionAt(z));
  return new TileGrid({ extent: WORLD, origin: [-180, 90], resolutions, tileSize: TILE_SIZE });
}

export interface GibsLayerRef {
  layer: string;
  tms: string;
  /** YYYY-MM-DD; null for a layer without a time dimension (the REST path then has no date) */
  date: string | null;
}

/** The GIBS REST URL of one tile (DESIGN.md "Tiles and ids"). */
export function gibsTileUrl(baseUrl: string, ref: GibsLayerRef, z: number, row: number, col: number): string {
  const base = baseUrl.replace(/\/+$/, '');
  const time = ref.date === null ? '' : `${ref.date}/`;
  const ext = ref.date === null ? 'jpeg' : 'jpg';
  return `${base}/wmts/epsg4326/best/${ref.layer}/default/${time}${ref.tms}/${z}/${row}/${col}.${ext}`;
}

/** An OpenLayers source reading one GIBS layer; OL's tile coordinates are [z, col, row] with rows counted down. */
export function gibsTileSource(baseUrl: string, ref: GibsLayerRef): TileImage {
  return new TileImage({
    projection: 'EPSG:4326',
    tileGrid: gibsTileGrid(ref.tms),
    tileUrlFunction: ([z, col, row]) => gibsTileUrl(baseUrl, ref, z, row, col),
    // No wrapping: a wrapped column would be out of GIBS's matrix (a 400).
    wrapX: false,
    attributions: 'Imagery: NASA GIBS / EOSDIS',
    attributionsCollapsible: false,
  });
}
