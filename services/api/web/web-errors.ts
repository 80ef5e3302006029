/** The codes the web page's server side puts on its AppErrors. */
export const webErrorCodes = {
  /** esbuild could not bundle the page's scripts or styles: the API refuses to start rather than serve a broken page */
  buildFailed: 'WEB_BUILD_FAILED',
} as const;

export type WebErrorCode = (typeof webErrorCodes)[keyof typeof webErrorCodes];
