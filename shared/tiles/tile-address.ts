/** One tile of a GIBS EPSG:4326 TileMatrixSet (the set name decides how many levels exist). */
export interface TileAddress {
  tms: string;
  z: number;
  row: number;
  col: number;
}
