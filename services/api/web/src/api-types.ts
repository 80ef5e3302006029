// The HTTP API's answers as the page reads them (see the API contract; the server validates them with zod).

export type Bbox = [number, number, number, number];

export interface UiConfig {
  gibsBaseUrl: string;
  /** the harvester's layers, first = default */
  layers: string[];
  /** the tile matrix set of the imagery layer drawn over the base map, e.g. 250m */
  tileMatrixSet: string;
  openReads: 'loopback' | 'always' | 'never';
  version: string;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface Stats {
  model: string | null;
  byLayer: FacetCount[];
  byDate: FacetCount[];
}

export interface WhoAmI {
  role: 'anonymous' | 'read' | 'write' | 'admin';
  keyId: string | null;
}

export type Example = { tileId: string } | { vector: number[] } | { image: string; name?: string };

export interface SearchFilter {
  from?: string;
  to?: string;
  bbox?: Bbox;
  layers?: string[];
}

export interface SearchRequest {
  positives: Example[];
  filter?: SearchFilter;
  limit?: number;
  offset?: number;
  format?: 'json' | 'geojson';
}

export interface HitProperties {
  rank: number;
  score: number;
  layer: string;
  date: string;
  z: number;
  row: number;
  col: number;
  tms: string;
  model: string;
  thumbnailUrl: string;
  imageUrl: string;
  worldviewUrl: string;
}

export interface HitFeature {
  type: 'Feature';
  id: string;
  geometry: { type: 'Polygon'; coordinates: number[][][] };
  properties: HitProperties;
}

export interface SearchGeoJson {
  type: 'FeatureCollection';
  model: string;
  nextOffset: number | null;
  features: HitFeature[];
}

export interface RuleReference {
  kind: 'tile' | 'image';
  tileId?: string;
  label: string;
}

export interface Rule {
  id: string;
  name: string;
  references: RuleReference[];
  threshold: number;
  enabled: boolean;
  createdAt: string;
}

export interface Alert {
  id: string;
  ruleId: string;
  tileId: string;
  score: number;
  payload: { layer: string; date: string; z: number; row: number; col: number };
  alertedAt: string;
  thumbnailUrl: string;
  worldviewUrl: string;
}

export interface SamplePoint {
  id: string;
  vector: number[];
  layer: string;
  date: string;
  thumbnailUrl: string;
}

export interface EmbeddingSample {
  model: string;
  points: SamplePoint[];
}
