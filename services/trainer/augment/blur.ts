/**
 * Separable Gaussian blur of a square HWC RGB image. The kernel is normalised and edges are replicated,
 * so a constant image stays constant and the blur never darkens borders.
 */

export function gaussianKernel(sigma: number): Float32Array {
  if (!(sigma > 0)) throw new RangeError(`gaussianKernel: sigma must be > 0, got ${sigma}`);
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    kernel[k + radius] = w;
    total += w;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k] /= total;
  return kernel;
}

/** Blurs `image` in place (a scratch buffer of the same length may be passed to avoid an allocation). */
export function gaussianBlur(
  image: Float32Array,
  size: number,
  sigma: number,
  scratch: Float32Array = new Float32Array(image.length),
): Float32Array {
  if (image.length !== size * size * 3)
    throw new RangeError(`gaussianBlur: expected ${size}x${size}x3 = ${size * size * 3} values, got ${image.length}`);
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) >> 1;
  const last = size - 1;
  const taps = kernel.length;
  // horizontal: image → scratch, through a row padded by replicated edge pixels so the tap loop has no branches
  const padded = new Float32Array((size + 2 * radius) * 3);
  for (let i = 0; i < size; i++) {
    const row = i * size * 3;
    padded.set(image.subarray(row, row + size * 3), radius * 3);
    for (let k = 0; k < radius; k++) {
      for (let c = 0; c < 3; c++) {
        padded[k * 3 + c] = image[row + c];
        padded[(radius + size + k) * 3 + c] = image[row + last * 3 + c];
      }
    }
    let q = row;
    for (let j = 0; j < size; j++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let p = j * 3;
      for (let k = 0; k < taps; k++, p += 3) {
        const w = kernel[k];
        r += w * padded[p];
        g += w * padded[p + 1];
        b += w * padded[p + 2];
      }
      scratch[q++] = r;
      scratch[q++] = g;
      scratch[q++] = b;
    }
  }
  // vertical: scratch → image, row by row so the inner loop runs over contiguous memory
  const rowLen = size * 3;
  for (let i = 0; i < size; i++) {
    const dst = i * rowLen;
    image.fill(0, dst, dst + rowLen);
    for (let k = -radius; k <= radius; k++) {
      const ii = i + k;
      const src = (ii < 0 ? 0 : ii > last ? last : ii) * rowLen;
      const w = kernel[k + radius];
      for (let x = 0; x < rowLen; x++) image[dst + x] += w * scratch[src + x];
    }
  }
  return image;
}
