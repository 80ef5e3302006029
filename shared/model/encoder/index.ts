export { buildEncoderGraph, graphParams, countTrainableParams, resnet18Half, smallCnn } from './graph.js';
export type { EncoderArch, EncoderGraph, GraphNode, Norm, ParamSpec, WeightMap } from './graph.js';
export { initWeights, initParams, forwardEncoder, createTfjsEncoder, l2Normalize } from './tfjs-encoder.js';
export type { ForwardMode, ForwardResult, TfjsEncoder } from './tfjs-encoder.js';
export { batchNormTraining, batchNormInference, composedBatchNormTraining } from './tfjs-batch-norm.js';
export { denseConv2d, denseConvPays } from './tfjs-dense-conv.js';
