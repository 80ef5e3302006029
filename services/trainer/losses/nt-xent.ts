import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../shared/errors/index.js';

/**
 * SimCLR's NT-Xent over a batch of n pairs: the 2n projections are L2-normalised, every one is classified
 * against the other 2n−1 by cosine similarity / temperature, its positive being the other view of the
 * same image. Returns the mean cross-entropy over all 2n anchors (a scalar). Negatives are the local batch.
 */
export function ntXentLoss(za: tf.Tensor2D, zb: tf.Tensor2D, temperature = 0.1): tf.Scalar {
  if (!(temperature > 0)) throw new ValidationError(`NT-Xent temperature must be > 0, got ${temperature}`);
  if (za.rank !== 2 || zb.rank !== 2 || za.shape[0] !== zb.shape[0] || za.shape[1] !== zb.shape[1]) {
    throw new ValidationError(
      `NT-Xent needs two [n, d] projections of the same shape, got [${za.shape}] and [${zb.shape}]`,
    );
  }
  const n = za.shape[0];
  if (n < 2) throw new ValidationError('NT-Xent needs at least 2 pairs (negatives come from the batch)');
  return tf.tidy(() => {
    const a = tf.div(za, tf.norm(za, 2, 1, true).maximum(1e-12));
    const b = tf.div(zb, tf.norm(zb, 2, 1, true).maximum(1e-12));
    const z = tf.concat([a, b], 0);
    const logits = tf.div(tf.matMul(z, z, false, true), temperature);
    // self-similarity is never a candidate: push it far below every other logit
    const masked = tf.sub(logits, tf.mul(tf.eye(2 * n), 1e9));
    const logSumExp = tf.logSumExp(masked, 1);
    const positive = tf.div(tf.sum(tf.mul(a, b), 1), temperature);
    return tf.sub(tf.mean(logSumExp), tf.mean(positive)) as tf.Scalar;
  });
}
