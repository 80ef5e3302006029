/**
 * The codes of the errors the alerter throws or records, written once. A tiles.embedded record that cannot be
 * scored for a reason that will not change goes to `tiles.dlq` with one of these codes or the code of the error
 * that failed it (BUS_BAD_SCHEMA, CHECKPOINT_NOT_FOUND, ...).
 */
export const alerterErrorCodes = {
  /** the tile's vector has another dimension than the model's reference vectors (DLQ reason) */
  dimensionMismatch: 'ALERTER_DIMENSION_MISMATCH',
  /** a reference embedder returned the wrong number of vectors, or vectors that are not unit length */
  badReferenceVectors: 'ALERTER_BAD_REFERENCE_VECTORS',
  /** the reference embedder was used after close() */
  embedderClosed: 'ALERTER_EMBEDDER_CLOSED',
  /** the alerter's options are wrong (ValidationError) */
  badOptions: 'ALERTER_BAD_OPTIONS',
} as const;

export type AlerterErrorCode = (typeof alerterErrorCodes)[keyof typeof alerterErrorCodes];
