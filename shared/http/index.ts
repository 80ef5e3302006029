export { HttpError, errorForStatus, errorForNetwork, retryAfterOf } from './http-error.js';
export { parseRetryAfter } from './retry-after.js';
