/**
 * One tile of one layer on one day, in a GIBS EPSG:4326 TileMatrixSet: what the tile key, the point id
 * (tile-id.ts) and the tile store's blob key (tile-blob-key.ts) are all built from.
 */
export interface TileAddress {
  layer: string;
  /** YYYY-MM-DD */
  date: string;
  tms: string;
  z: number;
  row: number;
  col: number;
}
