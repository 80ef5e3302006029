export type { EmbedFn } from './embed-fn.js';
export {
  l2Normalize,
  normalizeAll,
  expectedHitsAtK,
  precisionAtK,
  precisionAtKs,
  recallAtK,
  recallAtKs,
  collapseStd,
  collapseStdPacked,
} from './metrics.js';
export type { PrecisionResult, RecallResult } from './metrics.js';
export { colourHistogramEmbed, constantEmbed } from './baselines.js';
export type { ColourHistogramOptions } from './baselines.js';
export { decodeRaster, cropToTensor, imageStats, rasterStats, RasterCache } from './raster.js';
export type { Raster, PixelRect, DecodeOptions, ImageStats } from './raster.js';
export {
  SPLIT_CELL_DEG,
  SPLIT_COLS,
  SPLIT_ROWS,
  EVAL_FRACTION,
  cellSplit,
  cellBBox,
  placeCell,
  placeSplit,
  bboxSplit,
  splitCells,
  maskEvalCells,
} from './place-split.js';
export type { Split, SplitCell } from './place-split.js';
export { buildPlaceProxySet, bboxToRect } from './place-proxy-set.js';
export type { PlaceProxyOptions, PlaceProxyMosaics, PlaceProxySet, Place, RetrievalTask } from './place-proxy-set.js';
export { buildLabeledSet } from './labeled-set.js';
export type { LabeledSet, LabeledSetOptions, LabeledSource } from './labeled-set.js';
export { evaluateEncoder, datasetId } from './evaluate.js';
export type { EvalSets, EvaluateOptions, EvalReport } from './evaluate.js';
export { compareReports, defaultGatePolicy, metricName, readMetric } from './gate.js';
export type { GatePolicy, GateMetric, GateDecision } from './gate.js';
export { formatEvalTable } from './format-table.js';
export type { NamedReport } from './format-table.js';
export { embedFnFromEncoder } from './tensor-embed-fn.js';
export type { BatchEncoder } from './tensor-embed-fn.js';
export { buildEvalSets } from './build-eval-sets.js';
export type { BuildEvalSetsOptions } from './build-eval-sets.js';
export { buildTileShiftSet, tileFileBBox } from './tile-shift-set.js';
export type { TileShiftOptions, TileShiftSet } from './tile-shift-set.js';
export { evalErrorCodes } from './eval-errors.js';
export type { EvalErrorCode } from './eval-errors.js';
