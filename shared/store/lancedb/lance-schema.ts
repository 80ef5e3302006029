import { createRequire } from 'node:module';
import type { Data as ArrowData, FixedSizeList, Float32, Schema, Table as ArrowTable, Vector } from 'apache-arrow';
import { payloadDateMs } from '../filter.js';
import type { TilePayload } from '../tile-payload.js';
import type { VectorPoint } from '../vector-store.js';

// LanceDB is CommonJS and tests `instanceof` against the apache-arrow its require() loads; tables built with
// the ESM copy fail those tests, so this module builds them with that same CommonJS copy.
const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');
const { Field, FixedSizeList: FixedSizeListType, Float32: Float32Type, Float64, Int32, Int64, Utf8 } = arrow;

/**
 * One LanceDB row per point: the id, the vector, flat scalar columns the filter SQL and the scalar indexes
 * work on, and the payload as its JSON text, which round-trips exactly (the columns are derived from it and
 * never read back into a payload).
 */
export const columns = {
  id: 'id',
  vector: 'vector',
  dateMs: 'date_ms',
  layer: 'layer',
  model: 'model',
  z: 'z',
  minLon: 'min_lon',
  minLat: 'min_lat',
  maxLon: 'max_lon',
  maxLat: 'max_lat',
  centerLon: 'center_lon',
  centerLat: 'center_lat',
  payload: 'payload',
} as const;

/** Scalar indexes (what the filter SQL compares): BITMAP for few distinct values, BTREE for ranges and ids. */
export const scalarIndexes: ReadonlyArray<{ column: string; kind: 'btree' | 'bitmap' }> = [
  { column: columns.id, kind: 'btree' },
  { column: columns.dateMs, kind: 'btree' },
  { column: columns.layer, kind: 'bitmap' },
  { column: columns.model, kind: 'bitmap' },
  { column: columns.z, kind: 'bitmap' },
  { column: columns.minLon, kind: 'btree' },
  { column: columns.minLat, kind: 'btree' },
  { column: columns.maxLon, kind: 'btree' },
  { column: columns.maxLat, kind: 'btree' },
  { column: columns.centerLon, kind: 'btree' },
  { column: columns.centerLat, kind: 'btree' },
];

export function tableSchema(dimension: number): Schema {
  const scalar = (name: string, type: InstanceType<typeof arrow.DataType>) => new Field(name, type, false);
  return new arrow.Schema([
    scalar(columns.id, new Utf8()),
    new Field(columns.vector, new FixedSizeListType(dimension, new Field('item', new Float32Type(), true)), false),
    scalar(columns.dateMs, new Int64()),
    scalar(columns.layer, new Utf8()),
    scalar(columns.model, new Utf8()),
    scalar(columns.z, new Int32()),
    scalar(columns.minLon, new Float64()),
    scalar(columns.minLat, new Float64()),
    scalar(columns.maxLon, new Float64()),
    scalar(columns.maxLat, new Float64()),
    scalar(columns.centerLon, new Float64()),
    scalar(columns.centerLat, new Float64()),
    scalar(columns.payload, new Utf8()),
  ]);
}

/** The vector dimension of a table's schema, undefined when the schema is not one this module wrote. */
export function schemaDimension(schema: Schema): number | undefined {
  // by type id, not instanceof: LanceDB (CommonJS) hands back classes of its own copy of apache-arrow
  const type = schema.fields.find((f) => f.name === columns.vector)?.type;
  return type !== undefined && arrow.DataType.isFixedSizeList(type) ? type.listSize : undefined;
}

/** Validated points as one Arrow table of the collection's schema (vectors copied once into one buffer). */
export function pointsToArrow(points: readonly VectorPoint[], dimension: number): ArrowTable {
  const schema = tableSchema(dimension);
  const flat = new Float32Array(points.length * dimension);
  points.forEach((p, i) => flat.set(p.vector, i * dimension));
  const vectorType = schema.fields[1].type as FixedSizeList<Float32>;
  const child = arrow.makeData({ type: new Float32Type(), length: flat.length, data: flat });
  const vectorData = arrow.makeData({ type: vectorType, length: points.length, nullCount: 0, child });
  const pick = <T>(f: (p: VectorPoint) => T): T[] => points.map(f);
  const utf8 = (values: string[]) => arrow.vectorFromArray(values, new Utf8());
  const f64 = (values: number[]) => arrow.makeVector(Float64Array.from(values));
  const [minLon, minLat, maxLon, maxLat] = [0, 1, 2, 3].map((k) => f64(pick((p) => p.payload.bbox[k])));
  const byName: Record<string, Vector> = {
    [columns.id]: utf8(pick((p) => p.id)),
    [columns.vector]: arrow.makeVector(vectorData as ArrowData<FixedSizeList<Float32>>),
    [columns.dateMs]: arrow.makeVector(BigInt64Array.from(pick((p) => BigInt(payloadDateMs(p.payload.date))))),
    [columns.layer]: utf8(pick((p) => p.payload.layer)),
    [columns.model]: utf8(pick((p) => p.payload.model)),
    [columns.z]: arrow.makeVector(Int32Array.from(pick((p) => p.payload.z))),
    [columns.minLon]: minLon,
    [columns.minLat]: minLat,
    [columns.maxLon]: maxLon,
    [columns.maxLat]: maxLat,
    [columns.centerLon]: f64(pick((p) => p.payload.center.lon)),
    [columns.centerLat]: f64(pick((p) => p.payload.center.lat)),
    [columns.payload]: utf8(pick((p) => JSON.stringify(p.payload))),
  };
  return new arrow.Table(schema, byName);
}

export function payloadFromJson(text: string): TilePayload {
  return JSON.parse(text) as TilePayload;
}

/** A stored vector cell (an Arrow FixedSizeList value) as its own Float32Array copy. */
export function vectorFromCell(cell: unknown): Float32Array {
  if (cell instanceof Float32Array) return Float32Array.from(cell);
  const vector = cell as { toArray(): ArrayLike<number> };
  return Float32Array.from(vector.toArray());
}
