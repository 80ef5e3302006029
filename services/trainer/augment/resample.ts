/**
 * Crop-and-resize of square HWC RGB images. A tent (bilinear) filter whose support widens with the
 * shrink factor: at 1:1 or when enlarging it is plain bilinear interpolation; when shrinking (a 128 px
 * tile to a 64 px view) it averages every source pixel under the output pixel instead of aliasing.
 * Separable: one horizontal pass into a small buffer, one vertical pass.
 */

/** A crop rectangle in source pixel units (fractional edges allowed). */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Taps {
  /** taps per output sample */
  count: number;
  /** source index of tap k of output i at [i * count + k] (clamped to the image: edges are replicated) */
  index: Int32Array;
  weight: Float32Array;
}

function computeTaps(start: number, length: number, outLength: number, srcLength: number): Taps {
  const scale = length / outLength;
  const support = Math.max(1, scale);
  const count = Math.ceil(2 * support) + 1;
  const index = new Int32Array(outLength * count);
  const weight = new Float32Array(outLength * count);
  for (let i = 0; i < outLength; i++) {
    const center = start + (i + 0.5) * scale - 0.5;
    const lo = Math.ceil(center - support);
    let total = 0;
    for (let k = 0; k < count; k++) {
      const src = lo + k;
      const w = Math.max(0, 1 - Math.abs(src - center) / support);
      index[i * count + k] = src < 0 ? 0 : src >= srcLength ? srcLength - 1 : src;
      weight[i * count + k] = w;
      total += w;
    }
    for (let k = 0; k < count; k++) weight[i * count + k] /= total;
  }
  return { count, index, weight };
}

/**
 * Resamples `box` of a `srcSize`×`srcSize` HWC RGB image to `outSize`×`outSize`, written at `outOffset`
 * of `out`. A box covering the whole image at the same size returns the image unchanged.
 */
export function resizedCrop(
  src: Float32Array,
  srcSize: number,
  box: CropBox,
  outSize: number,
  out: Float32Array = new Float32Array(outSize * outSize * 3),
  outOffset = 0,
): Float32Array {
  if (src.length !== srcSize * srcSize * 3)
    throw new RangeError(
      `resizedCrop: expected ${srcSize}x${srcSize}x3 = ${srcSize * srcSize * 3} values, got ${src.length}`,
    );
  if (!(box.width > 0 && box.height > 0)) throw new RangeError(`resizedCrop: empty crop box ${JSON.stringify(box)}`);
  const h = computeTaps(box.x, box.width, outSize, srcSize);
  const v = computeTaps(box.y, box.height, outSize, srcSize);

  // Only the source rows some vertical tap touches go through the horizontal pass.
  let rowLo = srcSize;
  let rowHi = -1;
  for (let t = 0; t < v.index.length; t++) {
    if (v.weight[t] === 0) continue;
    if (v.index[t] < rowLo) rowLo = v.index[t];
    if (v.index[t] > rowHi) rowHi = v.index[t];
  }
  const rows = rowHi - rowLo + 1;
  const tmp = new Float32Array(rows * outSize * 3);
  // locals, not property loads, in the hot loops: V8 does not hoist them out of typed-array loops
  const hc = h.count;
  const hIndex = h.index;
  const hWeight = h.weight;
  for (let r = 0; r < rows; r++) {
    const srcRow = (rowLo + r) * srcSize * 3;
    let q = r * outSize * 3;
    for (let j = 0; j < outSize; j++) {
      let a = 0;
      let b = 0;
      let c = 0;
      const base = j * hc;
      for (let k = 0; k < hc; k++) {
        const w = hWeight[base + k];
        const p = srcRow + hIndex[base + k] * 3;
        a += w * src[p];
        b += w * src[p + 1];
        c += w * src[p + 2];
      }
      tmp[q++] = a;
      tmp[q++] = b;
      tmp[q++] = c;
    }
  }
  const vc = v.count;
  const vIndex = v.index;
  const vWeight = v.weight;
  const rowLen = outSize * 3;
  for (let i = 0; i < outSize; i++) {
    const dst = outOffset + i * rowLen;
    out.fill(0, dst, dst + rowLen);
    for (let k = 0; k < vc; k++) {
      const w = vWeight[i * vc + k];
      if (w === 0) continue;
      const t = (vIndex[i * vc + k] - rowLo) * rowLen;
      for (let x = 0; x < rowLen; x++) out[dst + x] += w * tmp[t + x];
    }
  }
  return out;
}

/**
 * A random crop box with area fraction in `area` and aspect ratio (w/h) log-uniform in `aspect`, like
 * torchvision's RandomResizedCrop: up to 10 draws that fit inside the image, then a centred crop of the
 * largest area the aspect range allows.
 */
export function sampleCropBox(
  size: number,
  area: [number, number],
  aspect: [number, number],
  next: () => number,
): CropBox {
  const logLo = Math.log(aspect[0]);
  const logHi = Math.log(aspect[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = size * size * (area[0] + (area[1] - area[0]) * next());
    const ratio = Math.exp(logLo + (logHi - logLo) * next());
    const width = Math.sqrt(target * ratio);
    const height = Math.sqrt(target / ratio);
    if (width <= size && height <= size) {
      return { x: (size - width) * next(), y: (size - height) * next(), width, height };
    }
  }
  const ratio = Math.min(Math.max(1, aspect[0]), aspect[1]);
  const width = ratio >= 1 ? size : size * ratio;
  const height = ratio >= 1 ? size / ratio : size;
  return { x: (size - width) / 2, y: (size - height) / 2, width, height };
}
