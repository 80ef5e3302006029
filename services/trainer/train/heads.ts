/**
 * Training-only heads, described as data like the encoder: SimCLR's projection MLP and SimSiam's projector
 * + predictor. They sit on the pooled backbone output and are dropped after training (the embedding is the
 * L2-normalised pooled feature). Parameters are named `head/<projector|predictor>/<layer>/<param>`, so
 * they live in the same WeightMap namespace as the encoder without clashing.
 */
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../../../shared/errors/index.js';
import { batchNormParams, type Norm, type ParamSpec } from '../../../shared/model/encoder/index.js';
import { batchNormTraining } from '../tfjs/index.js';

export type Technique = 'simclr' | 'simsiam';

export type HeadLayer =
  | { op: 'dense'; name: string; inDim: number; outDim: number; bias: boolean }
  | { op: 'batchnorm'; name: string; channels: number; epsilon: number; momentum: number }
  | { op: 'relu' };

export interface HeadSpec {
  name: 'projector' | 'predictor';
  layers: HeadLayer[];
  outDim: number;
}

export interface TrainingHeads {
  technique: Technique;
  projector: HeadSpec;
  /** SimSiam only */
  predictor?: HeadSpec;
}

export interface HeadDims {
  /** hidden width of the projector; default: embedding dim (SimCLR), 2× embedding dim (SimSiam) */
  hidden?: number;
  /** projector output; default 128 (SimCLR), 2× embedding dim (SimSiam) */
  out?: number;
  /** SimSiam predictor bottleneck; default out / 4 */
  predictorHidden?: number;
}

/**
 * Builds a head from widths. With `norm: 'batch'` every hidden dense layer is followed by batch norm
 * (SimCLR v2 / SimSiam style) and so is SimSiam's projector output; with `norm: 'none'` dense layers carry
 * biases instead, so the whole model is a per-sample function (what makes data-parallel shards exact).
 */
function mlp(name: HeadSpec['name'], dims: number[], norm: Norm, normOutput: boolean): HeadSpec {
  const layers: HeadLayer[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    const last = i + 2 === dims.length;
    const withNorm = norm === 'batch' && (!last || normOutput);
    layers.push({ op: 'dense', name: `head/${name}/fc${i + 1}`, inDim: dims[i], outDim: dims[i + 1], bias: !withNorm });
    if (withNorm)
      layers.push({
        op: 'batchnorm',
        name: `head/${name}/bn${i + 1}`,
        channels: dims[i + 1],
        epsilon: 1e-5,
        momentum: 0.9,
      });
    if (!last) layers.push({ op: 'relu' });
  }
  return { name, layers, outDim: dims[dims.length - 1] };
}

export function buildHeads(technique: Technique, embeddingDim: number, norm: Norm, dims: HeadDims = {}): TrainingHeads {
  const positive = (label: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new ValidationError(`head ${label} must be a positive integer, got ${v}`);
    return v;
  };
  if (technique === 'simclr') {
    const hidden = positive('hidden', dims.hidden ?? embeddingDim);
    const out = positive('out', dims.out ?? 128);
    return { technique, projector: mlp('projector', [embeddingDim, hidden, out], norm, false) };
  }
  if (technique === 'simsiam') {
    const hidden = positive('hidden', dims.hidden ?? 2 * embeddingDim);
    const out = positive('out', dims.out ?? 2 * embeddingDim);
    const bottleneck = positive('predictorHidden', dims.predictorHidden ?? Math.max(1, Math.round(out / 4)));
    return {
      technique,
      projector: mlp('projector', [embeddingDim, hidden, hidden, out], norm, true),
      predictor: mlp('predictor', [out, bottleneck, out], norm, false),
    };
  }
  throw new ValidationError(`unknown technique ${String(technique)} (simclr | simsiam)`);
}

export function headParams(heads: TrainingHeads): ParamSpec[] {
  const specs: ParamSpec[] = [];
  for (const head of [heads.projector, heads.predictor]) {
    if (!head) continue;
    for (const layer of head.layers) {
      if (layer.op === 'dense') {
        specs.push({
          name: `${layer.name}/kernel`,
          shape: [layer.inDim, layer.outDim],
          trainable: true,
          init: 'he_normal',
        });
        if (layer.bias)
          specs.push({ name: `${layer.name}/bias`, shape: [layer.outDim], trainable: true, init: 'zeros' });
      } else if (layer.op === 'batchnorm') {
        specs.push(...batchNormParams(layer.name, layer.channels));
      }
    }
  }
  return specs;
}

/**
 * x · W with the gradient written with explicit transposes: tfjs differentiates matMul with transposed
 * operands, which the wasm backend runs in a scalar loop (7–13 ms for 128×256·256×256) instead of
 * XNNPACK (1–3 ms with the transpose).
 */
const dense = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, w] = args as tf.Tensor2D[];
  const save = args[2] as tf.GradSaveFunc;
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      return [tf.matMul(dy, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/** Training-mode forward of one head on [n, in]; moving statistics of its batch norms go to `movingStats`. */
export function forwardHead(
  head: HeadSpec,
  params: Record<string, tf.Tensor>,
  x: tf.Tensor2D,
  movingStats: Record<string, tf.Tensor>,
): tf.Tensor2D {
  const get = (name: string) => {
    const t = params[name];
    if (!t) throw new ValidationError(`missing head parameter ${name}`);
    return t;
  };
  let h = x;
  for (const layer of head.layers) {
    if (layer.op === 'dense') {
      h = dense(h, get(`${layer.name}/kernel`) as tf.Tensor2D);
      if (layer.bias) h = tf.add(h, get(`${layer.name}/bias`));
    } else if (layer.op === 'relu') {
      h = tf.relu(h);
    } else {
      const n = h.shape[0];
      const { y, mean, variance } = batchNormTraining(
        tf.reshape(h, [n, 1, 1, layer.channels]),
        get(`${layer.name}/gamma`),
        get(`${layer.name}/beta`),
        layer.epsilon,
      );
      const m = layer.momentum;
      const unbiased = n > 1 ? n / (n - 1) : 1;
      movingStats[`${layer.name}/moving_mean`] = tf.add(
        tf.mul(get(`${layer.name}/moving_mean`), m),
        tf.mul(mean, 1 - m),
      );
      movingStats[`${layer.name}/moving_variance`] = tf.add(
        tf.mul(get(`${layer.name}/moving_variance`), m),
        tf.mul(variance, (1 - m) * unbiased),
      );
      h = tf.reshape(y, [n, layer.channels]);
    }
  }
  return h;
}
