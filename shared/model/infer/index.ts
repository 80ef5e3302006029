export { createOrtEncoder } from './ort-encoder.js';
export type { OrtEncoder, OrtEncoderOptions, ExecutionProviderName } from './ort-encoder.js';
export { createDecodePool } from './decode-pool.js';
export type { DecodePool, DecodePoolOptions } from './decode-pool.js';
export { createImageEmbedder } from './image-embedder.js';
export type { ImageEmbedder, ImageEmbedderOptions, EmbedResult, TensorEncoder } from './image-embedder.js';
export { preprocessImage } from './preprocess-image.js';
export { startModuleWorker } from './start-worker.js';
