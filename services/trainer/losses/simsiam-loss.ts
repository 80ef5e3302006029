import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../shared/errors/index.js';
import { stopGradient } from './stop-gradient.js';

/** −mean cosine(p, stopgrad(z)) over the batch (SimSiam's D). */
export function negativeCosine(p: tf.Tensor2D, z: tf.Tensor2D): tf.Scalar {
  if (p.rank !== 2 || z.rank !== 2 || p.shape[0] !== z.shape[0] || p.shape[1] !== z.shape[1]) {
    throw new ValidationError(
      `negative cosine needs two [n, d] tensors of the same shape, got [${p.shape}] and [${z.shape}]`,
    );
  }
  return tf.tidy(() => {
    const target = stopGradient(z);
    const pn = tf.div(p, tf.norm(p, 2, 1, true).maximum(1e-12));
    const zn = tf.div(target, tf.norm(target, 2, 1, true).maximum(1e-12));
    return tf.neg(tf.mean(tf.sum(tf.mul(pn, zn), 1))) as tf.Scalar;
  });
}

/**
 * SimSiam's symmetric loss ½·D(p_a, z_b) + ½·D(p_b, z_a), in [−1, 1]; the stop-gradient on z is what keeps
 * it from collapsing. A mean over samples, so gradients of shards average to the gradient of the batch.
 */
export function simSiamLoss(pa: tf.Tensor2D, pb: tf.Tensor2D, za: tf.Tensor2D, zb: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.add(tf.mul(negativeCosine(pa, zb), 0.5), tf.mul(negativeCosine(pb, za), 0.5)) as tf.Scalar);
}
