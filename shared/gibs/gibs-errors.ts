/**
 * The codes of the errors shared/gibs throws, written once (all ValidationErrors: the input will not change on retry).
 */
export const gibsErrorCodes = {
  /** not a WMTS Capabilities document with Contents, or one lacking a layer it should have (the replay server throws it too) */
  badCapabilities: 'BAD_CAPABILITIES',
  /** not a valid ISO 8601 / WMTS time value, a time dimension without values, or a range ending before it starts */
  badTime: 'BAD_TIME',
  /** a tile format (MIME type) without a known file extension */
  unknownFormat: 'UNKNOWN_FORMAT',
} as const;

export type GibsErrorCode = (typeof gibsErrorCodes)[keyof typeof gibsErrorCodes];
