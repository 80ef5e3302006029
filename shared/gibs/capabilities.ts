import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ValidationError } from '../errors/index.js';
import type { Bbox } from '../tiles/index.js';
import { type TimeDimension, type TimeInterval, parseTimeValue } from './time-dimension.js';
import { gibsErrorCodes } from './gibs-errors.js';

export type { TimeInterval } from './time-dimension.js';

export interface LayerInfo {
  id: string;
  title: string;
  /** MIME types, e.g. image/jpeg, image/png */
  formats: string[];
  tileMatrixSets: string[];
  /** absent for layers without a time dimension (BlueMarble_ShadedRelief_Bathymetry) */
  time?: TimeDimension;
  resourceUrlTemplate?: string;
  bbox?: Bbox;
}

export interface TileMatrixLevel {
  id: string;
  scaleDenominator?: number;
  topLeftCorner?: [number, number];
  matrixWidth: number;
  matrixHeight: number;
  tileWidth: number;
  tileHeight: number;
}

export interface TileMatrixSetInfo {
  id: string;
  crs?: string;
  levels: TileMatrixLevel[];
}

export interface Capabilities {
  layers: Map<string, LayerInfo>;
  tileMatrixSets: Map<string, TileMatrixSetInfo>;
  /**
   * Layers left out, with why (a time value that is not ISO 8601, a duplicate identifier): one odd layer
   * does not cost the other hundreds, and the caller can log these.
   */
  problems: string[];
}

type Node = Record<string, unknown>;

function bad(message: string, cause?: unknown): ValidationError {
  return new ValidationError(`not a usable WMTS capabilities document: ${message}`, {
    code: gibsErrorCodes.badCapabilities,
    cause,
  });
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Text of an element that may carry attributes (<ows:Title xml:lang="en">x</ows:Title>); of a repeated
 * element (a Title per language), the first.
 */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return text(v[0]);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (isNode(v)) return text(v['#text']);
  return undefined;
}

function requiredText(node: Node, key: string, where: string): string {
  const value = text(node[key]);
  if (value === undefined || value.length === 0) throw bad(`${where} has no ${key}`);
  return value;
}

function int(node: Node, key: string, where: string): number {
  const value = Number(requiredText(node, key, where));
  if (!Number.isInteger(value) || value <= 0) throw bad(`${where} has a bad ${key}`);
  return value;
}

function numberPair(v: unknown): [number, number] | undefined {
  const parts = text(v)?.trim().split(/\s+/).map(Number);
  return parts && parts.length === 2 && parts.every(Number.isFinite) ? [parts[0], parts[1]] : undefined;
}

function parseTileMatrixSet(node: Node): TileMatrixSetInfo {
  const id = requiredText(node, 'Identifier', 'a TileMatrixSet');
  const levels = list(node.TileMatrix)
    .filter(isNode)
    .map((m): TileMatrixLevel => {
      const where = `TileMatrixSet ${id} level`;
      const scale = Number(text(m.ScaleDenominator));
      const topLeftCorner = numberPair(m.TopLeftCorner);
      return {
        id: requiredText(m, 'Identifier', where),
        ...(Number.isFinite(scale) && scale > 0 ? { scaleDenominator: scale } : {}),
        ...(topLeftCorner ? { topLeftCorner } : {}),
        matrixWidth: int(m, 'MatrixWidth', where),
        matrixHeight: int(m, 'MatrixHeight', where),
        tileWidth: int(m, 'TileWidth', where),
        tileHeight: int(m, 'TileHeight', where),
      };
    });
  if (levels.length === 0) throw bad(`TileMatrixSet ${id} has no TileMatrix`);
  const crs = text(node.SupportedCRS);
  return { id, ...(crs ? { crs } : {}), levels };
}

function parseTime(layerNode: Node, id: string): TimeDimension | undefined {
  const dim = list(layerNode.Dimension)
    .filter(isNode)
    .find((d) => text(d.Identifier)?.toLowerCase() === 'time');
  if (!dim) return undefined;
  const intervals: TimeInterval[] = [];
  for (const value of list(dim.Value)) {
    // A Value may also hold a comma-separated list of instants or intervals.
    for (const piece of (text(value) ?? '').split(',')) {
      if (piece.trim().length === 0) continue;
      intervals.push(parseTimeValue(piece));
    }
  }
  if (intervals.length === 0)
    throw new ValidationError(`layer ${id} has a time dimension without values`, { code: gibsErrorCodes.badTime });
  const def = text(dim.Default)?.trim();
  return { ...(def ? { default: def } : {}), intervals };
}

function parseLayer(node: Node): LayerInfo {
  const id = requiredText(node, 'Identifier', 'a Layer');
  const formats = list(node.Format)
    .map(text)
    .filter((f): f is string => !!f);
  const tileMatrixSets = list(node.TileMatrixSetLink)
    .filter(isNode)
    .map((link) => text(link.TileMatrixSet))
    .filter((t): t is string => !!t);
  const tile = list(node.ResourceURL)
    .filter(isNode)
    .find((r) => text(r['@_resourceType']) === 'tile');
  const template = tile ? text(tile['@_template']) : undefined;
  const box = isNode(node.WGS84BoundingBox) ? node.WGS84BoundingBox : undefined;
  const lower = box ? numberPair(box.LowerCorner) : undefined;
  const upper = box ? numberPair(box.UpperCorner) : undefined;
  const time = parseTime(node, id);
  return {
    id,
    title: text(node.Title)?.trim() ?? id,
    formats,
    tileMatrixSets,
    ...(time ? { time } : {}),
    ...(template ? { resourceUrlTemplate: template } : {}),
    ...(lower && upper ? { bbox: [lower[0], lower[1], upper[0], upper[1]] as Bbox } : {}),
  };
}

/**
 * Parses a WMTS 1.0.0 GetCapabilities document (as GIBS serves it). Malformed XML, or XML that is not a
 * WMTS Capabilities document with Contents, throws ValidationError code 'BAD_CAPABILITIES'. A layer whose
 * own description is broken is left out and named in `problems`.
 */
export function parseCapabilities(xml: string): Capabilities {
  if (typeof xml !== 'string' || xml.trim().length === 0) throw bad('empty document');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw bad(`malformed XML at line ${valid.err.line}: ${valid.err.msg}`);
  const parser = new XMLParser({
    // Only ResourceURL's attributes are read; skipping the rest (xlink on every Metadata) parses ~40% faster.
    ignoreAttributes: (name: string) => name !== 'template' && name !== 'resourceType' && name !== 'format',
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
  });
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch (error) {
    throw bad('XML parser failed', error);
  }
  const root = isNode(doc) ? doc.Capabilities : undefined;
  if (!isNode(root)) throw bad('root element is not <Capabilities>');
  const contents = root.Contents;
  if (!isNode(contents)) throw bad('no <Contents>');

  const tileMatrixSets = new Map<string, TileMatrixSetInfo>();
  for (const node of list(contents.TileMatrixSet).filter(isNode)) {
    const set = parseTileMatrixSet(node);
    tileMatrixSets.set(set.id, set);
  }
  const layers = new Map<string, LayerInfo>();
  const problems: string[] = [];
  list(contents.Layer).forEach((node, i) => {
    if (!isNode(node)) {
      problems.push(`layer #${i + 1}: empty element`);
      return;
    }
    try {
      const layer = parseLayer(node);
      if (layers.has(layer.id)) problems.push(`layer ${layer.id}: duplicate identifier, first kept`);
      else layers.set(layer.id, layer);
    } catch (error) {
      // Only our own validation failures are per-layer problems; anything else is a bug and propagates.
      if (!(error instanceof ValidationError)) throw error;
      problems.push(`layer #${i + 1} (${text(node.Identifier) ?? 'no identifier'}): ${error.message}`);
    }
  });
  if (layers.size === 0 && problems.length === 0 && tileMatrixSets.size === 0) throw bad('<Contents> holds no layers');
  return { layers, tileMatrixSets, problems };
}
