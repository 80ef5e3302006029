import { AppError } from '../../shared/errors/index.js';

/**
 * The codes the API's own errors carry (auth, limits, missing resources, Fastify's client errors). The root
 * error handler (http-errors.ts) maps these and every other module's codes to HTTP statuses from one table.
 */
export const apiErrorCodes = {
  /** no such route, tile or key (404) */
  notFound: 'NOT_FOUND',
  /** no API key where one is needed, or a key that is unknown, malformed or revoked (401) */
  unauthorized: 'UNAUTHORIZED',
  /** a valid key whose role is too low for the route (403) */
  forbidden: 'FORBIDDEN',
  /** too many requests from this client in the window (429, Retry-After) */
  rateLimited: 'RATE_LIMITED',
  /** a body or an uploaded image over its limit (413) */
  payloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** a body in a content type the route does not take (415) */
  unsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  /** the method is not served on this path (405) */
  methodNotAllowed: 'METHOD_NOT_ALLOWED',
  /** a client error Fastify or a plugin raised that no other code describes (its own 4xx status) */
  badRequest: 'BAD_REQUEST',
  /** a dependency is down or busy (503, Retry-After) */
  unavailable: 'UNAVAILABLE',
  /** a bug: logged with the request (500) */
  internal: 'INTERNAL',
} as const;

export type ApiErrorCode = (typeof apiErrorCodes)[keyof typeof apiErrorCodes];

export function apiError(code: ApiErrorCode, message: string): AppError {
  return new AppError(code, message, { retriable: false });
}

/**
 * Codes Fastify and its plugins put on the client errors they raise, where the root error handler says more than
 * their own message does (which limit was crossed, what to send instead).
 */
export const fastifyErrorCodes = {
  bodyTooLarge: 'FST_ERR_CTP_BODY_TOO_LARGE',
  invalidMediaType: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  invalidJson: 'FST_ERR_CTP_INVALID_JSON_BODY',
  emptyJson: 'FST_ERR_CTP_EMPTY_JSON_BODY',
  fileTooLarge: 'FST_REQ_FILE_TOO_LARGE',
  filesLimit: 'FST_FILES_LIMIT',
  partsLimit: 'FST_PARTS_LIMIT',
  fieldsLimit: 'FST_FIELDS_LIMIT',
} as const;
