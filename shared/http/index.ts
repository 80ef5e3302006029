export { HttpError, errorForStatus, errorForNetwork, retryAfterOf, httpErrorCodes } from './http-error.js';
export type { HttpErrorCode } from './http-error.js';
export { parseRetryAfter } from './retry-after.js';
