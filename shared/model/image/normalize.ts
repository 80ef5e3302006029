/** Per-channel statistics of RGB images; the values the encoder was trained with travel in its checkpoint. */
export interface ChannelStats {
  mean: [number, number, number];
  std: [number, number, number];
}

/** Guards against dividing by zero on degenerate data (a constant image set); far below any real spread. */
const MIN_STD = 1e-6;

/**
 * Mean and population standard deviation of each channel over every pixel of every image (HWC, 3 channels).
 * Sums run in float64, so millions of pixels lose nothing to float32 rounding.
 */
export function computeChannelStats(images: readonly Float32Array[]): ChannelStats {
  const sum = [0, 0, 0];
  const sumSq = [0, 0, 0];
  let pixels = 0;
  for (const image of images) {
    if (image.length % 3 !== 0)
      throw new RangeError(
        `computeChannelStats: image length ${image.length} is not a multiple of 3 (HWC RGB expected)`,
      );
    for (let i = 0; i < image.length; i += 3) {
      const r = image[i];
      const g = image[i + 1];
      const b = image[i + 2];
      sum[0] += r;
      sum[1] += g;
      sum[2] += b;
      sumSq[0] += r * r;
      sumSq[1] += g * g;
      sumSq[2] += b * b;
    }
    pixels += image.length / 3;
  }
  if (pixels === 0) throw new RangeError('computeChannelStats: no pixels (empty image list)');
  const mean = sum.map((s) => s / pixels) as [number, number, number];
  const std = sumSq.map((s, c) => Math.max(MIN_STD, Math.sqrt(Math.max(0, s / pixels - mean[c] * mean[c])))) as [
    number,
    number,
    number,
  ];
  return { mean, std };
}

/** `(x - mean) / std` per channel into `out` (a new array by default; pass `hwc` itself to work in place). */
export function normalize(
  hwc: Float32Array,
  stats: ChannelStats,
  out: Float32Array = new Float32Array(hwc.length),
): Float32Array {
  if (out.length < hwc.length)
    throw new RangeError(`normalize: output holds ${out.length} values, input ${hwc.length}`);
  const [m0, m1, m2] = stats.mean;
  const s0 = 1 / stats.std[0];
  const s1 = 1 / stats.std[1];
  const s2 = 1 / stats.std[2];
  for (let i = 0; i < hwc.length; i += 3) {
    out[i] = (hwc[i] - m0) * s0;
    out[i + 1] = (hwc[i + 1] - m1) * s1;
    out[i + 2] = (hwc[i + 2] - m2) * s2;
  }
  return out;
}
