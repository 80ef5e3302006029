import { ValidationError } from '../errors/index.js';
import type { TileAddress } from '../tiles/index.js';

/**
 * The GIBS WMTS REST URL scheme:
 *   {base}/wmts/{projection}/{product}/{Layer}/{Style}/{Time}/{TileMatrixSet}/{z}/{row}/{col}.{ext}
 * with projection epsg4326 and product best for everything gibs-embed harvests. Layers without a time
 * dimension may omit the Time segment (their ResourceURL does); 'default' asks for the default date.
 */
export interface TileRequest extends TileAddress {
  /** YYYY-MM-DD, a UTC date-time (YYYY-MM-DDThh:mm:ssZ) or 'default' */
  date: string;
  /** file extension without the dot: jpg, png */
  ext: string;
}

export interface ParsedTilePath {
  projection: string;
  /** best, std, nrt, all */
  product: string;
  layer: string;
  style: string;
  /** 'default' or a date / date-time as it appeared in the path */
  time: string;
  tms: string;
  z: number;
  row: number;
  col: number;
  ext: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const TIME_RE = /^(default|\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?)$/;
const EXT_RE = /^[a-z0-9]{2,5}$/;

function trimBase(baseUrl: string): string {
  if (typeof baseUrl !== 'string' || !/^https?:\/\/[^/]/.test(baseUrl)) {
    throw new ValidationError(`GIBS base URL must be http(s)://..., got '${baseUrl}'`);
  }
  return baseUrl.replace(/\/+$/, '');
}

function check(what: string, value: string, re: RegExp): void {
  if (typeof value !== 'string' || !re.test(value)) {
    throw new ValidationError(`bad ${what} for a GIBS tile URL: '${value}'`);
  }
}

function checkIndex(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new ValidationError(`bad ${what} for a GIBS tile URL: ${value}`);
}

export function tileUrl(baseUrl: string, tile: TileRequest): string {
  const base = trimBase(baseUrl);
  check('layer', tile.layer, NAME_RE);
  check('date', tile.date, TIME_RE);
  check('TileMatrixSet', tile.tms, NAME_RE);
  check('extension', tile.ext, EXT_RE);
  checkIndex('z', tile.z);
  checkIndex('row', tile.row);
  checkIndex('col', tile.col);
  return `${base}/wmts/epsg4326/best/${tile.layer}/default/${tile.date}/${tile.tms}/${tile.z}/${tile.row}/${tile.col}.${tile.ext}`;
}

export function capabilitiesUrl(baseUrl: string): string {
  return `${trimBase(baseUrl)}/wmts/epsg4326/best/1.0.0/WMTSCapabilities.xml`;
}

/** Whether a request path is the capabilities document of a projection/product ({base}/wmts/epsg4326/best/1.0.0/WMTSCapabilities.xml). */
export function isCapabilitiesPath(pathname: string): boolean {
  return /\/wmts\/epsg\d+\/[a-z]+\/(1\.0\.0\/)?WMTSCapabilities\.xml$/.test(stripQuery(pathname));
}

function stripQuery(pathname: string): string {
  const q = pathname.search(/[?#]/);
  return q === -1 ? pathname : pathname.slice(0, q);
}

const TILE_PATH_RE =
  /\/wmts\/(epsg\d+)\/([a-z]+)\/([^/]+)\/([^/]+)\/(?:([^/]+)\/)?([^/]+)\/(\d{1,6})\/(\d{1,9})\/(\d{1,9})\.([A-Za-z0-9]{2,5})$/;

/**
 * The inverse of tileUrl for any projection and product: undefined for a path that is not a tile path
 * (the replay server answers those itself). A missing Time segment reads as time 'default'.
 */
export function parseTilePath(pathname: string): ParsedTilePath | undefined {
  let path: string;
  try {
    path = decodeURIComponent(stripQuery(pathname));
  } catch {
    return undefined; // malformed %-escape: not a path this scheme produces
  }
  const m = TILE_PATH_RE.exec(path);
  if (!m) return undefined;
  const [, projection, product, layer, style, time = 'default', tms, z, row, col, ext] = m;
  if (!NAME_RE.test(layer) || !NAME_RE.test(tms) || !TIME_RE.test(time)) return undefined;
  return { projection, product, layer, style, time, tms, z: Number(z), row: Number(row), col: Number(col), ext };
}
