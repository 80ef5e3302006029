/**
 * The codes of the errors the harvester throws or records, written once. A date outside a layer's range
 * carries `httpErrorCodes.dateOutOfRange` (the plan finds it, or GIBS answers 404), an unknown TileMatrixSet
 * `tilesErrorCodes.unknownTms`.
 */
export const harvesterErrorCodes = {
  /** a layer id GetCapabilities does not list (ValidationError) */
  unknownLayer: 'UNKNOWN_LAYER',
  /** a layer whose tile format the harvester cannot store (ValidationError) */
  unsupportedFormat: 'UNSUPPORTED_FORMAT',
  /** a level that is not an integer or outside the TileMatrixSet (ValidationError) */
  badLevel: 'BAD_LEVEL',
  /** a date that is not YYYY-MM-DD, or a range ending before it starts (ValidationError) */
  badDate: 'BAD_DATE',
  /** a plan larger than the per-run tile limit (ValidationError) */
  tooManyTiles: 'TOO_MANY_TILES',
  /** GIBS sent another image format than the layer declares */
  badContentType: 'BAD_CONTENT_TYPE',
  /** the harvester is stopping and takes no new harvests */
  harvesterStopped: 'HARVESTER_STOPPED',
  /** harvest ledger options that are out of range */
  ledgerOptions: 'LEDGER_OPTIONS',
  /** a harvest ledger written by a newer build (a schema this build does not know) */
  ledgerTooNew: 'LEDGER_TOO_NEW',
  /** the harvest ledger was closed */
  ledgerClosed: 'LEDGER_CLOSED',
  /** the harvest ledger (SQLite) failed; retriable when busy, locked, full or an I/O error */
  ledgerIo: 'LEDGER_IO',
  /** recorded for a failed tile whose error is not an AppError (a bug, not an outage) */
  internal: 'INTERNAL',
} as const;

export type HarvesterErrorCode = (typeof harvesterErrorCodes)[keyof typeof harvesterErrorCodes];
