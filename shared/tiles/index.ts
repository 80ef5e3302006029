export type { Bbox } from './bbox.js';
export {
  WORLD_BBOX,
  validateBbox,
  crossesAntimeridian,
  splitAntimeridian,
  clampBbox,
  tileCenter,
  bboxesIntersect,
} from './bbox.js';
export type { TileIndex } from './geographic-grid.js';
export {
  TILE_SIZE,
  degreesPerPixel,
  tileSpanDegrees,
  matrixSize,
  assertInMatrix,
  tileBbox,
  tileAt,
  tilesCovering,
} from './geographic-grid.js';
export { tmsLevels, knownTileMatrixSets } from './tile-matrix-sets.js';
export { TILE_ID_NAMESPACE, uuidV5, tileKey, tileKeyPrefix, pointId } from './tile-id.js';
export type { TileAddress } from './tile-address.js';
export type { TileFile, TilePathTail } from './tile-blob-key.js';
export { TILE_BLOB_PREFIX, tileBlobKey, parseTileBlobKey, parseTilePathTail } from './tile-blob-key.js';
export type { DecodeLimits, ImageFormat, ImageInfo, ImageInspection } from './blank-detect.js';
export { DEFAULT_MAX_DECODE_PIXELS, decodeImageInfo, inspectImage, isBlankImage } from './blank-detect.js';
export { tilesErrorCodes } from './tiles-errors.js';
export type { TilesErrorCode } from './tiles-errors.js';
