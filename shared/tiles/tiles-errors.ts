/**
 * The codes of the errors shared/tiles throws, written once. Undecodable bytes carry the shared `errorCodes.undecodable`.
 */
export const tilesErrorCodes = {
  /** a bbox or point that is not finite, outside the world, or inverted (ValidationError) */
  badBbox: 'BAD_BBOX',
  /** a TileMatrixSet this build does not know (the harvest plan throws it too) */
  unknownTms: 'UNKNOWN_TMS',
  /** a tile level, row or column outside the grid (ValidationError) */
  tileOutOfRange: 'TILE_OUT_OF_RANGE',
  /** an image whose size is not the expected tile size */
  wrongTileSize: 'WRONG_TILE_SIZE',
  /** an image with more pixels than are decoded at most */
  imageTooLarge: 'IMAGE_TOO_LARGE',
} as const;

export type TilesErrorCode = (typeof tilesErrorCodes)[keyof typeof tilesErrorCodes];
