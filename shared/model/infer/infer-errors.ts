/**
 * The codes of the errors inference throws, written once. A model onnxruntime cannot load carries
 * `onnxErrorCodes.modelInvalid`; undecodable or unreadable images the shared `errorCodes`.
 */
export const inferErrorCodes = {
  /** decoding an image for the encoder failed, or gave a tensor of the wrong size */
  decodeFailed: 'DECODE_FAILED',
  /** a decode worker thread failed to start or died */
  decodeWorkerFailed: 'DECODE_WORKER_FAILED',
  /** the decode pool was closed */
  decodePoolClosed: 'DECODE_POOL_CLOSED',
  /** the encoder was closed */
  encoderClosed: 'ENCODER_CLOSED',
  /** an onnxruntime run failed */
  inferenceFailed: 'INFERENCE_FAILED',
  /** embedding a folder of images failed for a reason without a code of its own */
  embedImagesFailed: 'EMBED_IMAGES_FAILED',
} as const;

export type InferErrorCode = (typeof inferErrorCodes)[keyof typeof inferErrorCodes];
