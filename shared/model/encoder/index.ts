export { batchNormParams, buildEncoderGraph, graphParams, resnet18Half, smallCnn } from './graph.js';
export type { EncoderArch, EncoderGraph, GraphNode, Norm, ParamSpec, WeightMap } from './graph.js';
export { initWeights, initParams } from './init-weights.js';
