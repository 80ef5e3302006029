import { errorCodes } from '../../../shared/errors/index.js';

/**
 * The codes of the errors the training data loaders throw, written once. Undecodable and unreadable images
 * carry the shared `errorCodes.undecodable` and `errorCodes.imageUnreadable`.
 */
export const dataErrorCodes = {
  /** no usable image among the files (all skipped) */
  emptyDataset: 'EMPTY_DATASET',
} as const;

export type DataErrorCode = (typeof dataErrorCodes)[keyof typeof dataErrorCodes];

/** Why `loadImageDataset` left a file out (`ImageDataset.skipped`): not errors, the load went on without it. */
export const datasetSkipCodes = {
  /** all pixels black or transparent (a GIBS no-data tile), with skipBlank */
  blank: 'BLANK',
  /** the bytes cannot be decoded, with skipUndecodable */
  undecodable: errorCodes.undecodable,
} as const;

export type DatasetSkipCode = (typeof datasetSkipCodes)[keyof typeof datasetSkipCodes];
