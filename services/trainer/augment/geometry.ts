/**
 * The dihedral symmetries of a square HWC RGB image. Satellite imagery has no canonical orientation,
 * so these are label-preserving for every phenomenon we index.
 */

function checkSquare(name: string, image: Float32Array, size: number): void {
  if (image.length !== size * size * 3)
    throw new RangeError(`${name}: expected ${size}x${size}x3 = ${size * size * 3} values, got ${image.length}`);
}

/** Rotates by k quarter turns counter-clockwise (k may be any integer; 4 turns = identity). */
export function rotate90(
  image: Float32Array,
  size: number,
  k: number,
  out: Float32Array = new Float32Array(image.length),
): Float32Array {
  checkSquare('rotate90', image, size);
  if (out === image) throw new RangeError('rotate90: cannot work in place');
  const turns = ((k % 4) + 4) % 4;
  const n = size - 1;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      // source pixel of output (i, j) after `turns` counter-clockwise quarter turns
      let si: number;
      let sj: number;
      if (turns === 0) {
        si = i;
        sj = j;
      } else if (turns === 1) {
        si = j;
        sj = n - i;
      } else if (turns === 2) {
        si = n - i;
        sj = n - j;
      } else {
        si = n - j;
        sj = i;
      }
      const d = (i * size + j) * 3;
      const s = (si * size + sj) * 3;
      out[d] = image[s];
      out[d + 1] = image[s + 1];
      out[d + 2] = image[s + 2];
    }
  }
  return out;
}

/** Mirrors left–right. */
export function flipHorizontal(
  image: Float32Array,
  size: number,
  out: Float32Array = new Float32Array(image.length),
): Float32Array {
  checkSquare('flipHorizontal', image, size);
  if (out === image) throw new RangeError('flipHorizontal: cannot work in place');
  for (let i = 0; i < size; i++) {
    const row = i * size * 3;
    for (let j = 0; j < size; j++) {
      const d = row + j * 3;
      const s = row + (size - 1 - j) * 3;
      out[d] = image[s];
      out[d + 1] = image[s + 1];
      out[d + 2] = image[s + 2];
    }
  }
  return out;
}

/** Mirrors top–bottom. */
export function flipVertical(
  image: Float32Array,
  size: number,
  out: Float32Array = new Float32Array(image.length),
): Float32Array {
  checkSquare('flipVertical', image, size);
  if (out === image) throw new RangeError('flipVertical: cannot work in place');
  const rowLen = size * 3;
  for (let i = 0; i < size; i++) out.set(image.subarray((size - 1 - i) * rowLen, (size - i) * rowLen), i * rowLen);
  return out;
}
