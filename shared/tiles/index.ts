export type { Bbox } from './bbox.js';
export { WORLD_BBOX, validateBbox, crossesAntimeridian, splitAntimeridian, clampBbox, tileCenter, bboxesIntersect } from './bbox.js';
export type { TileIndex } from './geographic-grid.js';
export {
  TILE_SIZE,
  MAX_GEOGRAPHIC_LEVEL,
  degreesPerPixel,
  tileSpanDegrees,
  matrixSize,
  assertInMatrix,
  tileBbox,
  tileAt,
  tilesCovering,
} from './geographic-grid.js';
export { tmsLevels, knownTileMatrixSets, validateTile, levelForResolution } from './tile-matrix-sets.js';
export type { MercatorTile } from './mercator.js';
export { MERCATOR_TILE_SIZE, MAX_MERCATOR_LAT, mercatorTileBbox, lonLatToMercatorTile, mercatorTilesCovering } from './mercator.js';
export { DNS_NAMESPACE, TILE_ID_NAMESPACE, uuidV5, tileKey, pointId } from './tile-id.js';
export type { TileAddress } from './tile-address.js';
export type { ImageFormat, ImageInfo, ImageInspection } from './blank-detect.js';
export { decodeImageInfo, inspectImage, isBlankImage } from './blank-detect.js';
