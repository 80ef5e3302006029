export { HttpError, errorForStatus, errorForNetwork, retryAfterOf, httpErrorCodes } from './http-error.js';
export type { HttpErrorCode } from './http-error.js';
export { parseRetryAfter } from './retry-after.js';
export {
  isPublicAddress,
  checkWebhookUrl,
  guardedLookup,
  ssrfErrorCodes,
  type SsrfErrorCode,
  type CheckWebhookUrlOptions,
} from './ssrf-guard.js';
