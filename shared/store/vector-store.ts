import type { Bbox } from '../tiles/index.js';
import type { TilePayload } from './tile-payload.js';

export type { TilePayload };

/**
 * The vector store port (DESIGN.md "Tiles and ids", "Two modes"): one collection per model version, an alias
 * naming the collection queries use, points keyed by the tile's point id (UUIDv5) carrying the tile payload.
 *
 * Backends: `LanceVectorStore` (embedded, files under ./data, with a selectivity planner) and
 * `QdrantVectorStore` (@qdrant/js-client-rest). Both pass `test/contract/vector-store.contract.ts`, which
 * checks every answer against exact brute force.
 *
 * Semantics every backend keeps:
 * - Vectors are L2-normalised float32 of the collection's dimension; the distance is cosine and a hit's
 *   `score` is the cosine similarity (1 = same direction). A vector of the wrong length or with a
 *   non-finite value is a ValidationError and nothing is written.
 * - `upsert` is idempotent by id (a repeated id replaces the point: never two rows) and durable when it
 *   resolves (fsynced / Qdrant `wait: true`).
 * - Wherever a collection name is taken, an alias may be given instead (as in Qdrant).
 * - Errors are AppErrors with codes from `storeErrorCodes` (store-errors.ts): retriable when the store may
 *   come back (unreachable, busy, disk full), not when it will not (unknown collection, bad argument).
 */

export interface VectorPoint {
  /** the tile's point id (UUIDv5 of layer/date/tms/z/row/col) */
  id: string;
  vector: Float32Array;
  payload: TilePayload;
}

/**
 * One filter type for every backend (translated to SQL for LanceDB and to Qdrant's filter JSON), evaluated
 * exactly by `matchesFilter` (filter.ts), which the contract suite uses as ground truth.
 */
export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  /** payload.date within [gte, lte] (inclusive); each bound an ISO date (YYYY-MM-DD = its midnight UTC) or RFC 3339 instant */
  | { date: { gte?: string; lte?: string } }
  /** the footprint intersects the box (touching counts); minLon > maxLon crosses the antimeridian (bboxesIntersect) */
  | { bbox: Bbox }
  /** the footprint's centre lies within `radiusKm` (great-circle, Earth radius 6371.0088 km) of the point */
  | { near: { lon: number; lat: number; radiusKm: number } }
  | { layer: string[] }
  | { z: number[] }
  | { model: string[] }
  | { id: string[] };

export interface SearchRequest {
  vector: Float32Array;
  /** 1..1000 */
  limit: number;
  filter?: Filter;
}

/**
 * Recommendation as Qdrant's `average_vector` strategy: query = avg(positive) + (avg(positive) − avg(negative)),
 * or avg(positive) without negatives; then an ordinary search. Examples are vectors (callers look ids up with
 * `get`), so both backends score exactly the same query.
 */
export interface RecommendRequest {
  positive: Float32Array[];
  negative?: Float32Array[];
  limit: number;
  filter?: Filter;
}

export interface Hit {
  id: string;
  /** cosine similarity */
  score: number;
  payload: TilePayload;
}

export interface ScrollRequest {
  filter?: Filter;
  /** points with id > after (ids compare as strings); omit for the first page */
  after?: string;
  /** page size, 1..10000 */
  limit: number;
  withVectors?: boolean;
}

export interface ScrollPage {
  /** ordered by id ascending */
  points: Array<{ id: string; payload: TilePayload; vector?: Float32Array }>;
  /** pass as `after` for the next page; undefined on the last page */
  next?: string;
}

export type FacetField = 'layer' | 'date' | 'model' | 'z';

export interface FacetCount {
  /** the field's value (for `date`: the YYYY-MM-DD day) */
  value: string;
  count: number;
}

export interface CollectionInfo {
  name: string;
  dimension: number;
  points: number;
}

export interface VectorStore {
  readonly kind: 'lancedb' | 'qdrant';
  /**
   * Creates the collection (cosine, this dimension, payload indexes on date, center, layer, model, z and the
   * footprint) unless it exists; an existing one with another dimension is refused (STORE_COLLECTION_MISMATCH).
   */
  ensureCollection(name: string, dimension: number): Promise<void>;
  /** every collection (not aliases) */
  listCollections(): Promise<CollectionInfo[]>;
  /** undefined when neither a collection nor an alias has this name */
  collectionInfo(nameOrAlias: string): Promise<CollectionInfo | undefined>;
  /** removes the collection; refused (STORE_ALIAS_IN_USE) while an alias points at it; missing is not an error */
  dropCollection(name: string): Promise<void>;
  /** durable and idempotent by id; all points of one call are written or none */
  upsert(collection: string, points: readonly VectorPoint[]): Promise<void>;
  delete(collection: string, ids: readonly string[]): Promise<void>;
  /** the stored points among `ids` (missing ids are left out), with vectors */
  get(collection: string, ids: readonly string[]): Promise<VectorPoint[]>;
  /** best first; ties broken by id ascending */
  search(collection: string, request: SearchRequest): Promise<Hit[]>;
  recommend(collection: string, request: RecommendRequest): Promise<Hit[]>;
  count(collection: string, filter?: Filter): Promise<number>;
  scroll(collection: string, request: ScrollRequest): Promise<ScrollPage>;
  /** points per value of `field`, most first, then by value */
  facet(collection: string, field: FacetField, filter?: Filter): Promise<FacetCount[]>;
  /** points `alias` at `collection` atomically (creating or moving it); readers see the old or the new, never neither */
  setAlias(alias: string, collection: string): Promise<void>;
  /** the collection `alias` names, undefined when there is no such alias */
  getAlias(alias: string): Promise<string | undefined>;
  close(): Promise<void>;
}
