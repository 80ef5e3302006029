/**
 * Training-mode batch normalisation (+ optional fused ReLU) as one kernel pair, in JS over the backend's
 * buffers. Composed from tfjs ops it costs ~10 full passes forward and backward, and the wasm reductions
 * over N·H·W transpose first; here it is 3 passes forward (mean, variance, output) and 2 backward.
 *
 *   forward:  μ, σ² (biased) over all but the last axis; y = γ·(x − μ)/√(σ² + ε) + β; y = max(y, 0) if relu
 *   backward: g = dy·[y > 0] (relu) ; x̂ = (x − μ)/σ ;  dβ = Σg ; dγ = Σg·x̂ ;
 *             dx = γ/σ · (g − dβ/N − x̂·dγ/N)
 * Sums accumulate in float64. No gradient flows into μ and σ² (outputs only for the moving statistics).
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { kernelIo } from './kernel-io.js';

export const BATCH_NORM_TRAIN = 'GibsBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'GibsBatchNormTrainGrad';

interface BnAttrs {
  epsilon: number;
  relu: boolean;
}

export function batchNormTrainForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, epsilon: number, relu: boolean, y: Float32Array, mean: Float32Array, variance: Float32Array): void {
  const c = gamma.length;
  const count = x.length / c;
  const sum = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) for (let k = 0; k < c; k++) sum[k] += x[i + k];
  const mu = new Float64Array(c);
  for (let k = 0; k < c; k++) mu[k] = sum[k] / count;
  const sq = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const d = x[i + k] - mu[k];
      sq[k] += d * d;
    }
  }
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const v = sq[k] / count;
    mean[k] = mu[k];
    variance[k] = v;
    const s = gamma[k] / Math.sqrt(v + epsilon);
    scale[k] = s;
    shift[k] = beta[k] - mu[k] * s;
  }
  if (relu) {
    for (let i = 0; i < x.length; i += c) {
      for (let k = 0; k < c; k++) {
        const v = x[i + k] * scale[k] + shift[k];
        y[i + k] = v > 0 ? v : 0;
      }
    }
  } else {
    for (let i = 0; i < x.length; i += c) for (let k = 0; k < c; k++) y[i + k] = x[i + k] * scale[k] + shift[k];
  }
}

export function batchNormTrainBackward(
  dy: Float32Array,
  x: Float32Array,
  y: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  epsilon: number,
  relu: boolean,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const c = gamma.length;
  const count = x.length / c;
  const inv = new Float32Array(c);
  for (let k = 0; k < c; k++) inv[k] = 1 / Math.sqrt(variance[k] + epsilon);
  const sumG = new Float64Array(c);
  const sumGX = new Float64Array(c);
  for (let i = 0; i < x.length; i += c) {
    for (let k = 0; k < c; k++) {
      const g = relu && !(y[i + k] > 0) ? 0 : dy[i + k];
      sumG[k] += g;
      sumGX[k] += g * (x[i + k] - mean[k]) * inv[k];
    }
  }
  const a = new Float32Array(c);
  const b = new Float32Array(c);
  const d = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    dBeta[k] = sumG[k];
    dGamma[k] = sumGX[k];
    // dx = a·g + b·(x − μ) + d  with a = γ·inv, b = −γ·inv³·Σgx̂/N, d = −γ·inv·Σg/N
    a[k] = gamma[k] * inv[k];
    b[k] = (-gamma[k] * inv[k] * inv[k] * sumGX[k]) / count;
    d[k] = (-gamma[k] * inv[k] * sumG[k]) / count - b[k] * mean[k];
  }
  if (relu) {
    for (let i = 0; i < x.length; i += c) {
      for (let k = 0; k < c; k++) {
        const g = y[i + k] > 0 ? dy[i + k] : 0;
        dx[i + k] = a[k] * g + b[k] * x[i + k] + d[k];
      }
    }
  } else {
    for (let i = 0; i < x.length; i += c) for (let k = 0; k < c; k++) dx[i + k] = a[k] * dy[i + k] + b[k] * x[i + k] + d[k];
  }
}

const forwardKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, gamma, beta } = inputs as { x: TensorInfo; gamma: TensorInfo; beta: TensorInfo };
  const { epsilon, relu } = attrs as unknown as BnAttrs;
  const c = x.shape[x.shape.length - 1];
  const io = kernelIo(backend);
  const y = io.alloc(x.shape);
  const mean = io.alloc([c]);
  const variance = io.alloc([c]);
  batchNormTrainForward(io.view(x), io.view(gamma), io.view(beta), epsilon, relu, io.view(y), io.view(mean), io.view(variance));
  return [y, mean, variance];
};

const backwardKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, x, y, gamma, mean, variance } = inputs as Record<string, TensorInfo>;
  const { epsilon, relu } = attrs as unknown as BnAttrs;
  const io = kernelIo(backend);
  const dx = io.alloc(x.shape);
  const dGamma = io.alloc(gamma.shape);
  const dBeta = io.alloc(gamma.shape);
  batchNormTrainBackward(io.view(dy), io.view(x), io.view(y), io.view(gamma), io.view(mean), io.view(variance), epsilon, relu, io.view(dx), io.view(dGamma), io.view(dBeta));
  return [dx, dGamma, dBeta];
};

export const batchNormTrainConfigs: KernelConfig[] = ['wasm', 'cpu'].flatMap((backendName) => [
  { kernelName: BATCH_NORM_TRAIN, backendName, kernelFunc: forwardKernel },
  { kernelName: BATCH_NORM_TRAIN_GRAD, backendName, kernelFunc: backwardKernel },
]);

export const batchNormTrainGradConfig: GradConfig = {
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, gamma, y, mean, variance] = saved;
    const dy = Array.isArray(dys) ? dys[0] : dys;
    // one kernel yields all three gradients; computed once here, handed out by the closures
    const [dx, dGamma, dBeta] = tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, x, y, gamma, mean, variance }, attrs as never) as tf.Tensor[];
    return { x: () => dx, gamma: () => dGamma, beta: () => dBeta };
  },
};

/** y (= relu(bn(x)) when relu), batch mean and biased batch variance; differentiable in x, γ, β. */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, relu: boolean): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { epsilon, relu } as never) as tf.Tensor[];
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
