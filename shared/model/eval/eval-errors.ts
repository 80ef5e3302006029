/**
 * The codes of the errors evaluation throws, written once. Most are ValidationErrors: the sets or the
 * arguments are wrong and will not change on retry.
 */
export const evalErrorCodes = {
  /** nothing to evaluate: no set, no vectors, too few vectors */
  empty: 'EVAL_EMPTY',
  /** a labeled set or tile folder cannot be read */
  noDir: 'EVAL_NO_DIR',
  /** a labeled set without (enough) classes */
  noClasses: 'EVAL_NO_CLASSES',
  /** a set that yields no query with a relevant candidate */
  noQueries: 'EVAL_NO_QUERIES',
  /** an image that cannot be read or is not a file */
  notFound: 'EVAL_NOT_FOUND',
  /** an image that cannot be decoded or has the wrong size */
  badImage: 'EVAL_BAD_IMAGE',
  /** a mosaic too small or of the wrong shape for the place proxy */
  badMosaic: 'EVAL_BAD_MOSAIC',
  /** a crop rectangle outside the image */
  badCrop: 'EVAL_BAD_CROP',
  /** cropping failed inside the image library */
  cropFailed: 'EVAL_CROP_FAILED',
  /** a longitude/latitude, bbox or tile outside the world or the grid */
  badPlace: 'EVAL_BAD_PLACE',
  /** vectors of dimension 0, of unequal length, or with non-finite values */
  badVector: 'EVAL_BAD_VECTOR',
  /** k is not a positive integer or exceeds the candidates */
  badK: 'EVAL_BAD_K',
  /** labels, groups or truth indices that do not match the vectors */
  badInput: 'EVAL_BAD_INPUT',
  /** the embedding function returned another number of vectors than images */
  embedMismatch: 'EVAL_EMBED_MISMATCH',
} as const;

export type EvalErrorCode = (typeof evalErrorCodes)[keyof typeof evalErrorCodes];
