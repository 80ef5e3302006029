import { AppError } from '../../../shared/errors/index.js';

/**
 * The codes the alert routes put on their AppErrors; the API's root error handler maps each to its HTTP status.
 * Bad input is a ValidationError (400) as everywhere.
 */
export const alertApiErrorCodes = {
  /** no alert rule with that id (404) */
  ruleNotFound: 'ALERT_RULE_NOT_FOUND',
  /** no alert with that id (404) */
  alertNotFound: 'ALERT_NOT_FOUND',
  /** a reference names a tile the serving collection does not hold, or whose image is gone (404) */
  tileNotFound: 'TILE_NOT_FOUND',
  /** nothing is indexed and no model exists to embed references with (409) */
  indexEmpty: 'INDEX_EMPTY',
  /** the serving collection holds vectors of several models: the store was written wrongly (500) */
  ambiguousModel: 'ALERT_AMBIGUOUS_MODEL',
} as const;

export type AlertApiErrorCode = (typeof alertApiErrorCodes)[keyof typeof alertApiErrorCodes];

export function alertApiError(code: AlertApiErrorCode, message: string): AppError {
  return new AppError(code, message, { retriable: false });
}
