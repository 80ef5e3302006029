/**
 * The codes the GIBS client adds to the HTTP ones of shared/http (`httpErrorCodes`), written once.
 */
export const gibsClientErrorCodes = {
  /** a request took longer than the timeout (retriable) */
  timeout: 'TIMEOUT',
  /** a response larger than the limit, declared or sent */
  tooLarge: 'TOO_LARGE',
  /** a response that broke off before its declared length (retriable) */
  truncated: 'TRUNCATED',
  /** 304 answered to a request that was not conditional */
  unexpectedNotModified: 'UNEXPECTED_NOT_MODIFIED',
  /** the client was closed */
  closed: 'GIBS_CLIENT_CLOSED',
} as const;

export type GibsClientErrorCode = (typeof gibsClientErrorCodes)[keyof typeof gibsClientErrorCodes];
