export { startReplayServer } from './replay-server.js';
export type {
  FaultKind,
  FaultOptions,
  ReplayCatalog,
  ReplayImagery,
  ReplayLayer,
  ReplayOptions,
  ReplayServer,
  ReplayStats,
  ReplayTileRef,
} from './replay-types.js';
export { validateFaultOptions } from './fault-plan.js';
export { exceptionReportXml } from './exception-report.js';
export type { OwsException } from './exception-report.js';
export { CAPABILITIES_FILE, BLANK_JPEG_FILE, BLANK_PNG_FILE } from './load-replay-data.js';
export { MOSAIC_SOURCES, REAL_TILES_DIR } from './replay-catalog.js';
export { replayErrorCodes } from './replay-errors.js';
export type { ReplayErrorCode } from './replay-errors.js';
