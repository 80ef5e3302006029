/**
 * Weight layout conversion and batch-norm folding for export. Pure functions over flat arrays; the folded
 * values are computed in float64 and rounded once, so folding adds no more error than one float32 rounding.
 */

/** tfjs HWIO `[kh, kw, in, out]` → ONNX OIHW `[out, in, kh, kw]`. */
export function hwioToOihw(kernel: Float32Array, kh: number, kw: number, cin: number, cout: number): Float64Array {
  const out = new Float64Array(kernel.length);
  for (let h = 0; h < kh; h++) {
    for (let w = 0; w < kw; w++) {
      for (let i = 0; i < cin; i++) {
        const src = ((h * kw + w) * cin + i) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + i) * kh + h) * kw + w] = kernel[src + o];
      }
    }
  }
  return out;
}

export interface BatchNormParams {
  gamma: Float32Array;
  beta: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  epsilon: number;
}

/**
 * Folds inference batch norm into the preceding convolution:
 * bn(conv(x) + b) = conv(x)·s + (b − mean)·s + beta with s = gamma / sqrt(var + eps), per output channel.
 * `kernelOihw` is scaled in place; returns the new bias.
 */
export function foldBatchNorm(
  kernelOihw: Float64Array,
  bias: Float32Array | undefined,
  bn: BatchNormParams,
): Float64Array {
  const cout = bn.gamma.length;
  const perOut = kernelOihw.length / cout;
  const folded = new Float64Array(cout);
  for (let o = 0; o < cout; o++) {
    const scale = bn.gamma[o] / Math.sqrt(bn.variance[o] + bn.epsilon);
    for (let k = o * perOut; k < (o + 1) * perOut; k++) kernelOihw[k] *= scale;
    folded[o] = ((bias ? bias[o] : 0) - bn.mean[o]) * scale + bn.beta[o];
  }
  return folded;
}
