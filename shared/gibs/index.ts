export type { TileRequest, ParsedTilePath } from './gibs-url.js';
export { tileUrl, capabilitiesUrl, isCapabilitiesPath, parseTilePath } from './gibs-url.js';
export { extForFormat } from './tile-format.js';
export type { Capabilities, LayerInfo, TileMatrixLevel, TileMatrixSetInfo } from './capabilities.js';
export { parseCapabilities } from './capabilities.js';
export type { TimeInterval, TimeDimension, TimedLayer } from './time-dimension.js';
export { parseTimeValue, layerHasDate, layerDates, latestDate } from './time-dimension.js';
export type { IsoDuration } from './iso-time.js';
export {
  parseDuration,
  parseInstant,
  parseRfc3339,
  addDuration,
  formatDate,
  isIsoDate,
  isoDateSchema,
} from './iso-time.js';
export { GIBS_MAX_CONCURRENCY, GIBS_DEFAULT_CONCURRENCY, GIBS_MAX_MBPS } from './etiquette.js';
export { gibsErrorCodes } from './gibs-errors.js';
export { worldviewUrl, WORLDVIEW_URL } from './worldview-url.js';
export type { GibsErrorCode } from './gibs-errors.js';
