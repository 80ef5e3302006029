/**
 * Batch normalisation over N, H, W of an NHWC tensor. Training uses the batch statistics and a custom
 * gradient in closed form (one pass of reductions instead of differentiating mean/variance op by op):
 *   dx = γ/σ · (dy − mean(dy) − x̂ · mean(dy · x̂)),  dγ = Σ dy · x̂,  dβ = Σ dy.
 */
import * as tf from '@tensorflow/tfjs';

export function batchNormInference(x: tf.Tensor4D, mean: tf.Tensor, variance: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor4D {
  return tf.batchNorm4d(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, epsilon);
}

export interface BatchNormTrainingResult {
  y: tf.Tensor4D;
  /** batch mean per channel (no gradient flows through it) */
  mean: tf.Tensor1D;
  /** biased batch variance per channel (no gradient flows through it) */
  variance: tf.Tensor1D;
}

export function batchNormTraining(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): BatchNormTrainingResult {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x4, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const invStd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(x4, mean), invStd) as tf.Tensor4D;
    const y = tf.add(tf.mul(xhat, g), b) as tf.Tensor4D;
    save([xhat, invStd, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xh, inv, gm] = saved;
        const axes = [0, 1, 2];
        const dBeta = tf.sum(dy, axes);
        const dGamma = tf.sum(tf.mul(dy, xh), axes);
        const count = dy.size / dBeta.size;
        // dx = γ·inv · (dy − dβ/N − x̂·dγ/N)
        const scale = tf.mul(gm, inv);
        const dx = tf.mul(tf.sub(tf.sub(dy, tf.div(dBeta, count)), tf.mul(xh, tf.div(dGamma, count))), scale);
        return [dx, dGamma, dBeta];
      },
    };
  });
  const y = op(x, gamma, beta) as tf.Tensor4D;
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
