import { ValidationError } from '../../errors/index.js';
import { graphParams, type EncoderGraph, type WeightMap } from '../encoder/index.js';
import { onnxErrorCodes } from './onnx-errors.js';

/**
 * Checks that `weights` holds every parameter the graph needs, with the declared shape, a Float32Array of the
 * right length, and finite values (a NaN checkpoint would export a model that silently emits NaN vectors).
 * Batch-norm variances must be ≥ 0. Extra entries (a projection head, optimiser state) are allowed and ignored.
 */
export function validateWeights(graph: EncoderGraph, weights: WeightMap): void {
  for (const spec of graphParams(graph)) {
    const entry = weights[spec.name];
    if (entry === undefined)
      throw new ValidationError(`weight "${spec.name}" is missing (expected shape [${spec.shape.join(', ')}])`, {
        code: onnxErrorCodes.weightsInvalid,
      });
    if (!(entry.data instanceof Float32Array))
      throw new ValidationError(`weight "${spec.name}" must be a Float32Array`, {
        code: onnxErrorCodes.weightsInvalid,
      });
    const sameShape =
      Array.isArray(entry.shape) &&
      entry.shape.length === spec.shape.length &&
      entry.shape.every((d, i) => d === spec.shape[i]);
    if (!sameShape) {
      throw new ValidationError(
        `weight "${spec.name}" has shape [${String(entry.shape)}], expected [${spec.shape.join(', ')}]`,
        { code: onnxErrorCodes.weightsInvalid },
      );
    }
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (entry.data.length !== size) {
      throw new ValidationError(
        `weight "${spec.name}" has ${entry.data.length} values, shape [${spec.shape.join(', ')}] needs ${size}`,
        { code: onnxErrorCodes.weightsInvalid },
      );
    }
    const isVariance = spec.name.endsWith('/moving_variance');
    for (let i = 0; i < size; i++) {
      const v = entry.data[i];
      if (!Number.isFinite(v))
        throw new ValidationError(`weight "${spec.name}" holds a non-finite value at index ${i}`, {
          code: onnxErrorCodes.weightsInvalid,
        });
      if (isVariance && v < 0)
        throw new ValidationError(`weight "${spec.name}" holds a negative variance at index ${i}`, {
          code: onnxErrorCodes.weightsInvalid,
        });
    }
  }
}
