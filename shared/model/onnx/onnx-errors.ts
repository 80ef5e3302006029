/**
 * The codes of the errors the ONNX writer and reader throw, written once.
 */
export const onnxErrorCodes = {
  /** weights missing, of the wrong type or shape, or not finite (ValidationError) */
  weightsInvalid: 'WEIGHTS_INVALID',
  /** bytes that are not an ONNX model, or not a gibs-embed encoder (shared/model/infer throws it too) */
  modelInvalid: 'MODEL_INVALID',
} as const;

export type OnnxErrorCode = (typeof onnxErrorCodes)[keyof typeof onnxErrorCodes];
