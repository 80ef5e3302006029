import { ValidationError } from '../../shared/errors/index.js';
import {
  extForFormat,
  formatDate,
  isIsoDate,
  latestDate,
  layerDates,
  parseInstant,
  type Capabilities,
  type LayerInfo,
} from '../../shared/gibs/index.js';
import {
  TILE_SIZE,
  WORLD_BBOX,
  tilesCovering,
  tmsLevels,
  validateBbox,
  type Bbox,
  type TileIndex,
  tilesErrorCodes,
} from '../../shared/tiles/index.js';
import type { HarvestRequest } from './harvester-config.js';
import { httpErrorCodes } from '../../shared/http/index.js';
import { harvesterErrorCodes } from './harvester-errors.js';

/** One day of a harvest: the date it is filed under and the TIME sent to GIBS. */
export interface PlannedDate {
  /** YYYY-MM-DD: message date, ledger and blob key */
  date: string;
  /** TIME in the tile URL: the date, or 'default' for layers without a time dimension */
  time: string;
}

/** A validated harvest: everything is known to be allowed before the first tile request. */
export interface HarvestPlan {
  layer: LayerInfo;
  tms: string;
  /** MIME type requested and expected back */
  format: string;
  ext: string;
  dates: PlannedDate[];
  levels: number[];
  /** tiles per level (same for every date) */
  tilesByLevel: Map<number, TileIndex[]>;
  /** pixel size of a tile per level (the TileMatrix's TileWidth × TileHeight); any other size is refused */
  tileSizes: Map<number, { width: number; height: number }>;
  /** dates × tiles of all levels */
  total: number;
}

// Tile formats we can decode and check for blankness; vector tiles and the like are not for embedding.
const IMAGE_FORMATS = ['image/jpeg', 'image/png'];

/**
 * Checks a harvest request against the capabilities and expands it. Every refusal is a ValidationError
 * naming the wrong value and what is allowed: unknown layer, tile matrix set or format, a date outside the
 * layer's range, a level too deep, a bad bbox, or more tiles than `maxTiles`.
 */
export function planHarvest(
  request: HarvestRequest,
  capabilities: Capabilities,
  limits: { maxTiles: number },
): HarvestPlan {
  const layer = findLayer(capabilities, request.layer);
  const tms = pickTms(layer, request.tms);
  const levels = checkLevels(request.levels, layer, tms, capabilities);
  const bbox = request.bbox ?? ([...WORLD_BBOX] as Bbox);
  validateBbox(bbox);
  const dates = planDates(layer, request.from, request.to);
  const format = layer.formats.find((f) => IMAGE_FORMATS.includes(f.toLowerCase()));
  if (!format) {
    throw new ValidationError(
      `layer ${layer.id} is served as ${layer.formats.join(', ') || 'no format'}; the harvester takes ${IMAGE_FORMATS.join(' or ')}`,
      { code: harvesterErrorCodes.unsupportedFormat },
    );
  }
  const tilesByLevel = new Map<number, TileIndex[]>();
  const tileSizes = new Map<number, { width: number; height: number }>();
  const matrices = capabilities.tileMatrixSets.get(tms)?.levels;
  let perDate = 0;
  for (const z of levels) {
    const tiles = tilesCovering(bbox, z);
    tilesByLevel.set(z, tiles);
    perDate += tiles.length;
    // The capabilities' TileMatrix wins (GIBS: 512 for EPSG:4326); the grid's own size covers documents without one.
    const matrix = matrices?.find((m) => m.id === String(z)) ?? matrices?.[z];
    const size = matrix
      ? { width: matrix.tileWidth, height: matrix.tileHeight }
      : { width: TILE_SIZE, height: TILE_SIZE };
    tileSizes.set(z, size);
  }
  const total = perDate * dates.length;
  if (total > limits.maxTiles) {
    throw new ValidationError(
      `harvest of ${layer.id} would request ${total} tiles (${dates.length} dates × ${perDate} tiles); the limit is ${limits.maxTiles}: narrow the dates, levels or bbox`,
      { code: harvesterErrorCodes.tooManyTiles },
    );
  }
  return { layer, tms, format, ext: extForFormat(format), dates, levels, tilesByLevel, tileSizes, total };
}

function findLayer(capabilities: Capabilities, id: string): LayerInfo {
  if (typeof id !== 'string' || id.length === 0)
    throw new ValidationError('layer must be a non-empty layer identifier', { code: harvesterErrorCodes.unknownLayer });
  const layer = capabilities.layers.get(id);
  if (layer) return layer;
  const needle = id.toLowerCase();
  const similar = [...capabilities.layers.keys()]
    .filter(
      (name) =>
        name.toLowerCase().includes(needle) || needle.includes(name.toLowerCase()) || name.toLowerCase() === needle,
    )
    .slice(0, 5);
  const hint =
    similar.length > 0
      ? `; did you mean ${similar.join(', ')}?`
      : `; the capabilities list ${capabilities.layers.size} layers`;
  throw new ValidationError(`unknown layer "${id}"${hint}`, { code: harvesterErrorCodes.unknownLayer });
}

function pickTms(layer: LayerInfo, requested: string | undefined): string {
  if (layer.tileMatrixSets.length === 0)
    throw new ValidationError(`layer ${layer.id} links no TileMatrixSet`, { code: tilesErrorCodes.unknownTms });
  if (requested === undefined) return layer.tileMatrixSets[0]!;
  if (!layer.tileMatrixSets.includes(requested)) {
    throw new ValidationError(
      `TileMatrixSet "${requested}" is not offered for ${layer.id}; allowed: ${layer.tileMatrixSets.join(', ')}`,
      { code: tilesErrorCodes.unknownTms },
    );
  }
  return requested;
}

function checkLevels(levels: readonly number[], layer: LayerInfo, tms: string, capabilities: Capabilities): number[] {
  // The capabilities' own TileMatrixSet definition wins; the built-in table covers documents without one.
  const count = capabilities.tileMatrixSets.get(tms)?.levels.length ?? tmsLevels(tms);
  if (!Array.isArray(levels) || levels.length === 0) {
    throw new ValidationError(`give at least one level; ${layer.id} in ${tms} has levels 0..${count - 1}`, {
      code: harvesterErrorCodes.badLevel,
    });
  }
  for (const z of levels) {
    if (!Number.isInteger(z) || z < 0 || z >= count) {
      throw new ValidationError(
        `level ${z} is not available for ${layer.id} in TileMatrixSet ${tms}: allowed levels are 0..${count - 1}`,
        { code: harvesterErrorCodes.badLevel },
      );
    }
  }
  return [...new Set(levels)].sort((a, b) => a - b);
}

function checkDay(what: string, value: string): number {
  if (!isIsoDate(value))
    throw new ValidationError(`${what} date must be a calendar date YYYY-MM-DD, got ${JSON.stringify(value)}`, {
      code: harvesterErrorCodes.badDate,
    });
  return parseInstant(value);
}

function planDates(layer: LayerInfo, from: string, to: string): PlannedDate[] {
  const fromMs = checkDay('from', from);
  const toMs = checkDay('to', to);
  if (toMs < fromMs)
    throw new ValidationError(`date range ends before it starts: ${from} .. ${to}`, {
      code: harvesterErrorCodes.badDate,
    });
  if (!layer.time) {
    // A layer without a time dimension has one image; it is filed under the last requested day.
    return [{ date: to, time: 'default' }];
  }
  const first = Math.min(...layer.time.intervals.map((iv) => parseInstant(iv.start)));
  const last = latestDate(layer);
  const range = `${formatDate(first)} .. ${last} (${layer.time.intervals
    .map((iv) => iv.period)
    .filter((p, i, all) => all.indexOf(p) === i)
    .join(', ')})`;
  for (const [what, value, ms] of [
    ['from', from, fromMs],
    ['to', to, toMs],
  ] as const) {
    if (ms < Math.floor(first / 86_400_000) * 86_400_000 || (last !== undefined && value > last)) {
      throw new ValidationError(`${what} date ${value} is outside the range of layer ${layer.id}: ${range}`, {
        code: httpErrorCodes.dateOutOfRange,
      });
    }
  }
  const days = layerDates(layer, from, to);
  if (days.length === 0) {
    throw new ValidationError(`layer ${layer.id} has no imagery between ${from} and ${to}; its dates are ${range}`, {
      code: httpErrorCodes.dateOutOfRange,
    });
  }
  return days.map((date) => ({ date, time: date }));
}
