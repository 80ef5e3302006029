/**
 * The codes of the query module's errors (search and statistics over the serving collection). Both are
 * ValidationErrors, so the CLI exits 2 on them as on any bad input; the API answers 409 and 404.
 */
export const queryErrorCodes = {
  /** no collection serves yet (no alias, or it names an empty collection): nothing to search */
  indexEmpty: 'INDEX_EMPTY',
  /** a tile id given as an example is not a point of the serving collection */
  tileNotFound: 'TILE_NOT_FOUND',
  /** ModelEmbedders was used after close() */
  closed: 'QUERY_EMBEDDERS_CLOSED',
} as const;

export type QueryErrorCode = (typeof queryErrorCodes)[keyof typeof queryErrorCodes];
