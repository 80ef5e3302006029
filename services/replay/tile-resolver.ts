import { createHash } from 'node:crypto';
import { formatDate } from '../../shared/gibs/index.js';
import { matrixSize, tmsLevels } from '../../shared/tiles/index.js';
import type { OwsException } from './exception-report.js';
import { realTileKey, type ServedLayer } from './replay-catalog.js';
import type { RealTile } from './real-tiles.js';
import type { RepeatTile } from './repeat-tiles.js';
import { formatLayerTime, isWellFormedTime, parseRequestTime, snapTime } from './served-time.js';

/** The REST path segments of a tile request, unparsed: validating them is the resolver's job. */
export interface TileRequest {
  layer: string;
  style: string;
  /** undefined for the time-less form {Layer}/{Style}/{TMS}/{z}/{row}/{col}.{ext} (= TIME default) */
  time: string | undefined;
  tms: string;
  z: string;
  row: string;
  /** the last segment without its extension */
  col: string;
  /** extension with its dot ('.jpg'), or '' when the request has none */
  ext: string;
}

export type TileAnswer =
  | {
      kind: 'image';
      bytes: Buffer;
      etag: string;
      contentType: string;
      layerTimeActual?: string;
      blank: boolean;
      /** imagery of another position, served by repeatRealTiles where the tile has none */
      repeated?: boolean;
    }
  | { kind: 'error'; status: number; exceptions: OwsException[] };

export interface ResolverSources {
  layers: ReadonlyMap<string, ServedLayer>;
  blankJpeg: Buffer;
  blankPng: Buffer;
  readRealTile(tile: RealTile): Promise<Buffer>;
  /** set when ReplayOptions.repeatRealTiles is: answers a tile without imagery instead of the blank tile */
  repeatTile?: RepeatTile;
}

const DIGITS = /^\d+$/;
const bad = (locator: string, text: string, code = 'InvalidParameterValue', status = 400): OwsException => ({
  status,
  code,
  locator,
  text,
});
const error = (...exceptions: OwsException[]): TileAnswer => ({
  kind: 'error',
  status: exceptions[exceptions.length - 1].status,
  exceptions,
});

/** Quoted strong ETag from the bytes, cached per buffer (tiles are immutable once built). */
export function createEtagger(): (bytes: Buffer) => string {
  const cache = new WeakMap<Buffer, string>();
  return (bytes) => {
    let etag = cache.get(bytes);
    if (!etag) {
      etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;
      cache.set(bytes, etag);
    }
    return etag;
  };
}

function extensionFits(format: ServedLayer['format'], ext: string): boolean {
  const e = ext.toLowerCase();
  return format === 'image/png' ? e === '.png' : e === '.jpg' || e === '.jpeg';
}

/**
 * Answer one tile request the way OnEarth does, checking in its order: LAYER, STYLE, TIME syntax,
 * TILEMATRIXSET, then the tile (FORMAT and integer syntax together, then range), then the date against the
 * layer's (widened) time dimension (404 outside it). A valid request with no imagery here gets the blank tile.
 */
export async function resolveTile(
  req: TileRequest,
  sources: ResolverSources,
  etagOf: (b: Buffer) => string,
): Promise<TileAnswer> {
  const layer = sources.layers.get(req.layer);
  if (!layer) return error(bad('LAYER', 'LAYER does not exist'));
  if (req.style !== 'default') return error(bad('STYLE', 'STYLE is invalid for LAYER'));
  if (req.time !== undefined && !isWellFormedTime(req.time)) {
    return error(bad('TIME', 'Invalid time format, must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ'));
  }
  if (req.tms !== layer.tms) return error(bad('TILEMATRIXSET', 'TILEMATRIXSET is invalid for LAYER'));

  const syntax: OwsException[] = [];
  if (req.ext && !extensionFits(layer.format, req.ext)) syntax.push(bad('FORMAT', 'FORMAT is invalid for LAYER'));
  if (!DIGITS.test(req.col)) syntax.push(bad('TILECOL', 'TILECOL is not a valid integer'));
  if (!DIGITS.test(req.row)) syntax.push(bad('TILEROW', 'TILEROW is not a valid integer'));
  if (!DIGITS.test(req.z)) syntax.push(bad('TILEMATRIX', 'TILEMATRIX is not a valid integer'));
  if (syntax.length > 0) return error(...syntax);

  const z = Number(req.z);
  const row = Number(req.row);
  const col = Number(req.col);
  const levels = tmsLevels(layer.tms);
  if (z >= levels)
    return error(bad('TILEMATRIX', `TILEMATRIX is out of range, maximum value is ${levels - 1}`, 'TileOutOfRange'));
  const { cols, rows } = matrixSize(z);
  if (col >= cols)
    return error(bad('TILECOL', `TILECOL is out of range, maximum value is ${cols - 1}`, 'TileOutOfRange'));
  if (row >= rows)
    return error(bad('TILEROW', `TILEROW is out of range, maximum value is ${rows - 1}`, 'TileOutOfRange'));

  let served: number | undefined;
  if (layer.time) {
    const requested = req.time === undefined || req.time.toLowerCase() === 'default' ? layer.time.default : req.time;
    served =
      snapTime(requested, layer.time.intervals) ??
      (requested === layer.time.default ? parseRequestTime(requested) : undefined);
    if (served === undefined) return error(bad('TIME', 'Date out of range', 'InvalidParameterValue', 404));
  }

  const contentType = layer.format;
  const layerTimeActual = served === undefined ? undefined : formatLayerTime(served);
  const image = (bytes: Buffer, blank: boolean, repeated?: true): TileAnswer => ({
    kind: 'image',
    bytes,
    etag: etagOf(bytes),
    contentType,
    layerTimeActual,
    blank,
    ...(repeated ? { repeated } : {}),
  });

  const date = served === undefined ? undefined : formatDate(served);
  const realTile = date === undefined ? undefined : layer.realTiles.get(realTileKey(date, z, row, col));
  if (realTile) return image(await sources.readRealTile(realTile), false);
  const pyramid = layer.mosaics.get(date ?? 'static');
  const generated = pyramid ? await pyramid.tile(z, row, col) : undefined;
  if (generated) return image(generated, false);
  const repeated = sources.repeatTile && (await sources.repeatTile(layer, date, z, row, col));
  if (repeated) return image(repeated, false, true);
  return image(layer.format === 'image/png' ? sources.blankPng : sources.blankJpeg, true);
}
