/**
 * The codes of the errors the replay server throws, written once. A capabilities document lacking a layer
 * carries `gibsErrorCodes.badCapabilities`.
 */
export const replayErrorCodes = {
  /** fault rates that are negative, not finite or add up to more than 1 (ValidationError) */
  badFaultOptions: 'BAD_FAULT_OPTIONS',
  /** a file of the data kit cannot be read (is --data the shared data kit?) */
  dataUnreadable: 'DATA_UNREADABLE',
  /** a mosaic cannot be read or has no size */
  mosaicUnreadable: 'MOSAIC_UNREADABLE',
  /** cutting tiles from a mosaic failed */
  mosaicBuildFailed: 'MOSAIC_BUILD_FAILED',
  /** a date alias that is not YYYY-MM-DD → a date the kit has imagery for (ValidationError) */
  badDateAlias: 'BAD_DATE_ALIAS',
  /** the replay server cannot listen on its host and port */
  listenFailed: 'REPLAY_LISTEN_FAILED',
} as const;

export type ReplayErrorCode = (typeof replayErrorCodes)[keyof typeof replayErrorCodes];
