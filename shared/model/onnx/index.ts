export { exportOnnx, ONNX_INPUT, ONNX_OUTPUT } from './export-onnx.js';
export type { ExportOnnxOptions } from './export-onnx.js';
export { readOnnxModel } from './read-onnx.js';
export type { OnnxModelInfo } from './read-onnx.js';
export { validateWeights } from './validate-weights.js';
export { foldBatchNorm, hwioToOihw } from './conv-weights.js';
export { onnxErrorCodes } from './onnx-errors.js';
export type { OnnxErrorCode } from './onnx-errors.js';
