/**
 * Batch normalisation over all but the channel axis. Training uses the batch statistics; where the active
 * backend has the project's fused kernel (wasm, cpu: services/trainer/kernels) it runs as one kernel with a
 * closed-form gradient, optionally with the following ReLU fused in; elsewhere (e.g. webgpu) it is composed
 * from tfjs ops with the same closed-form gradient:
 *   dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)),  dγ = Σ dy · x̂,  dβ = Σ dy.
 */
import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_TRAIN, batchNormTrain } from '../kernels/index.js';

export function batchNormInference(
  x: tf.Tensor4D,
  mean: tf.Tensor,
  variance: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): tf.Tensor4D {
  return tf.batchNorm4d(
    x,
    mean as tf.Tensor1D,
    variance as tf.Tensor1D,
    beta as tf.Tensor1D,
    gamma as tf.Tensor1D,
    epsilon,
  );
}

export interface BatchNormTrainingResult {
  /** normalised output (after ReLU when options.relu) */
  y: tf.Tensor4D;
  /** batch mean per channel (no gradient flows through it) */
  mean: tf.Tensor1D;
  /** biased batch variance per channel (no gradient flows through it) */
  variance: tf.Tensor1D;
}

export function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  options: { relu?: boolean } = {},
): BatchNormTrainingResult {
  const relu = options.relu ?? false;
  if (tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend())) {
    const { y, mean, variance } = batchNormTrain(x, gamma, beta, epsilon, relu);
    return { y: y as tf.Tensor4D, mean, variance };
  }
  const composed = composedBatchNormTraining(x, gamma, beta, epsilon);
  return relu ? { ...composed, y: tf.relu(composed.y) } : composed;
}

/** The same from tfjs ops (reference for tests and the path for backends without the fused kernel). */
export function composedBatchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): BatchNormTrainingResult {
  const axes = [0, 1, 2];
  const { mean, variance } = tf.moments(x, axes);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x4, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(x4, mean), invStd) as tf.Tensor4D;
    save([xhat, invStd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xh, inv, gm] = saved;
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xh), axes);
        const count = dy.size / dBeta.size;
        const dx = tf.mul(tf.sub(tf.sub(dy, tf.div(dBeta, count)), tf.mul(xh, tf.div(dGamma, count))), tf.mul(gm, inv));
        return [dx, dGamma, dBeta];
      },
    };
  });
  return { y: op(x, gamma, beta) as tf.Tensor4D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
