// The encoder graph interpreted in TensorFlow.js (training forward/backward and tfjs inference). Kept out
// of shared/model/encoder so that modules needing only the graph (ONNX export, checkpoints) never load tfjs.
export { forwardEncoder, createTfjsEncoder, l2Normalize } from './tfjs-encoder.js';
export type { ForwardMode, ForwardResult, TfjsEncoder } from './tfjs-encoder.js';
export { batchNormTraining, batchNormInference, composedBatchNormTraining } from './tfjs-batch-norm.js';
export { denseConv2d, denseConvPays } from './tfjs-dense-conv.js';
