import path from 'node:path';
import { AppError, ValidationError } from '../../shared/errors/index.js';
import type { LayerInfo, TimeInterval } from '../../shared/gibs/index.js';
import type { Logger } from '../../shared/log/index.js';
import { matrixSize } from '../../shared/tiles/index.js';
import { createMosaicPyramid, readMosaicInfo, type MosaicPyramid } from './mosaic-pyramid.js';
import { findRealTiles, type RealTile } from './real-tiles.js';
import type { ReplayCatalog, ReplayImagery, ReplayLayer, ReplayTileRef } from './replay-types.js';
import { widenTimeDimension } from './served-time.js';
import { gibsErrorCodes, isIsoDate } from '../../shared/gibs/index.js';
import { replayErrorCodes } from './replay-errors.js';

/** A served layer: its capabilities facts plus whatever imagery the kit has for it. */
export interface ServedLayer {
  id: string;
  format: 'image/jpeg' | 'image/png';
  tms: string;
  /** null: no time dimension; any date (or none) is accepted and ignored */
  time: { default: string; intervals: TimeInterval[] } | null;
  /** real tiles keyed `${date}/${z}/${row}/${col}` */
  realTiles: Map<string, RealTile>;
  /** mosaic pyramids keyed by date, or 'static' for a layer without a time dimension */
  mosaics: Map<string, MosaicPyramid>;
}

/**
 * The global mosaics in the kit and the GIBS layer/date each one is an image of (see the kit's MANIFEST.csv).
 * Blue Marble is a static layer in GIBS (no time dimension), so its imagery answers for every date.
 */
export const MOSAIC_SOURCES: ReadonlyArray<{ layer: string; date: string | null; file: string }> = [
  {
    layer: 'MODIS_Terra_CorrectedReflectance_TrueColor',
    date: '2020-09-27',
    file: 'gibs/mosaic/MODIS_Terra_CorrectedReflectance_TrueColor_2020-09-27_global.jpeg',
  },
  { layer: 'BlueMarble_ShadedRelief_Bathymetry', date: null, file: 'gibs/mosaic/bluemarble_small_8192x4096.jpg' },
];

/** Kit folder of real EPSG:4326 tiles, relative to dataDir. */
export const REAL_TILES_DIR = 'gibs/tiles/epsg4326';

export const realTileKey = (date: string, z: number, row: number, col: number): string => `${date}/${z}/${row}/${col}`;

function formatOf(layer: LayerInfo): 'image/jpeg' | 'image/png' | undefined {
  const format = layer.formats[0];
  return format === 'image/jpeg' || format === 'image/png' ? format : undefined;
}

/**
 * Join the capabilities layers with the kit's imagery. Every JPEG/PNG layer of the capabilities is served;
 * the ones with imagery get their time dimension widened to include the imagery's dates.
 */
export async function buildServedLayers(
  dataDir: string,
  capabilities: ReadonlyMap<string, LayerInfo>,
  logger: Logger,
  dateAliases: Readonly<Record<string, string>> = {},
): Promise<Map<string, ServedLayer>> {
  const layers = new Map<string, ServedLayer>();
  for (const layer of capabilities.values()) {
    const format = formatOf(layer);
    const tms = layer.tileMatrixSets[0];
    if (!format || !tms) continue; // vector or other formats: the replay serves raster tiles only
    const time =
      layer.time && layer.time.intervals.length > 0
        ? {
            default: layer.time.default ?? layer.time.intervals[layer.time.intervals.length - 1].end,
            intervals: layer.time.intervals,
          }
        : null;
    layers.set(layer.id, { id: layer.id, format, tms, time, realTiles: new Map(), mosaics: new Map() });
  }

  for (const tile of await findRealTiles(path.join(dataDir, REAL_TILES_DIR), logger)) {
    const layer = layers.get(tile.layer);
    const ext = layer?.format === 'image/png' ? 'png' : 'jpg';
    if (!layer || tile.tms !== layer.tms || tile.ext !== ext) {
      logger.warn(
        { file: tile.file },
        'replay: real tile does not match its layer in the capabilities (layer, TileMatrixSet or format); not served',
      );
      continue;
    }
    layer.realTiles.set(realTileKey(tile.date, tile.z, tile.row, tile.col), tile);
  }

  for (const source of MOSAIC_SOURCES) {
    const layer = layers.get(source.layer);
    if (!layer)
      throw new AppError(
        gibsErrorCodes.badCapabilities,
        `capabilities lack layer ${source.layer} of mosaic ${source.file}`,
        {
          retriable: false,
        },
      );
    if ((source.date === null) !== (layer.time === null)) {
      throw new AppError(
        gibsErrorCodes.badCapabilities,
        `mosaic ${source.file}: layer ${source.layer} time dimension disagrees with the mosaic's date`,
        { retriable: false },
      );
    }
    const info = await readMosaicInfo(path.join(dataDir, source.file), layer.tms);
    layer.mosaics.set(source.date ?? 'static', createMosaicPyramid(info));
  }

  applyDateAliases(layers, dateAliases);
  for (const layer of layers.values()) {
    if (!layer.time) continue;
    const dates = [...new Set([...[...layer.realTiles.values()].map((t) => t.date), ...layer.mosaics.keys()])];
    if (dates.length > 0) layer.time = widenTimeDimension(layer.time, dates);
  }
  return layers;
}

/** Every layer with imagery of an alias's target date serves the same tiles on the alias's date too. */
function applyDateAliases(layers: Map<string, ServedLayer>, aliases: Readonly<Record<string, string>>): void {
  for (const [asDate, kitDate] of Object.entries(aliases)) {
    if (!isIsoDate(asDate) || !isIsoDate(kitDate))
      throw new ValidationError(`date alias ${asDate}=${kitDate}: both dates must be YYYY-MM-DD`, {
        code: replayErrorCodes.badDateAlias,
      });
    let served = false;
    for (const layer of layers.values()) {
      if (!layer.time) continue;
      const mosaic = layer.mosaics.get(kitDate);
      if (mosaic) layer.mosaics.set(asDate, mosaic);
      for (const tile of [...layer.realTiles.values()].filter((t) => t.date === kitDate))
        layer.realTiles.set(realTileKey(asDate, tile.z, tile.row, tile.col), { ...tile, date: asDate });
      served ||= mosaic !== undefined || hasDate(layer, asDate);
    }
    if (!served)
      throw new ValidationError(`date alias ${asDate}=${kitDate}: the kit has no imagery dated ${kitDate}`, {
        code: replayErrorCodes.badDateAlias,
      });
  }
}

const hasDate = (layer: ServedLayer, date: string): boolean =>
  [...layer.realTiles.values()].some((t) => t.date === date);

/** The plain description of what the replay has imagery for (layers without imagery are left out). */
export function describeCatalog(layers: ReadonlyMap<string, ServedLayer>, dataDir: string): ReplayCatalog {
  const described: ReplayLayer[] = [];
  for (const layer of layers.values()) {
    if (layer.realTiles.size === 0 && layer.mosaics.size === 0) continue;
    const ext = layer.format === 'image/png' ? 'png' : 'jpg';
    const imagery: ReplayImagery[] = [];
    const byDate = new Map<string, RealTile[]>();
    for (const tile of layer.realTiles.values()) byDate.set(tile.date, [...(byDate.get(tile.date) ?? []), tile]);
    for (const [date, tiles] of byDate) {
      imagery.push({
        date,
        source: 'real-tiles',
        origin: REAL_TILES_DIR,
        levels: [...new Set(tiles.map((t) => t.z))].sort((a, b) => a - b),
        tiles: tiles.map((t) => ({
          layer: layer.id,
          date,
          tms: layer.tms,
          z: t.z,
          row: t.row,
          col: t.col,
          ext,
          source: 'real-tile',
        })),
      });
    }
    for (const [key, pyramid] of layer.mosaics) {
      const date = key === 'static' ? null : key;
      const tiles: ReplayTileRef[] = [];
      for (const z of pyramid.info.levels) {
        const { cols, rows } = matrixSize(z);
        for (let row = 0; row < rows; row++) {
          for (let col = 0; col < cols; col++)
            tiles.push({ layer: layer.id, date, tms: layer.tms, z, row, col, ext, source: 'mosaic' });
        }
      }
      imagery.push({
        date,
        source: 'mosaic',
        origin: path.relative(dataDir, pyramid.info.file),
        levels: [...pyramid.info.levels],
        tiles,
      });
    }
    described.push({ id: layer.id, tms: layer.tms, format: layer.format, time: layer.time, imagery });
  }
  return {
    layers: described,
    tiles: () => described.flatMap((l) => l.imagery.flatMap((i) => i.tiles.map((t) => ({ ...t })))),
  };
}
