/**
 * Colour jitter as ONE affine map per image. Brightness, saturation, hue and grayscale are linear per
 * pixel and contrast blends with the image's mean luma, which an affine map carries along analytically,
 * so the four ops compose into a 3×3 matrix plus offset and the image is touched once (clamped to [0, 1]
 * at the end rather than after each op, the only difference from torchvision's ColorJitter).
 */
import type { Rng } from '../../../shared/random/rng.js';

export interface ColorJitterParams {
  brightness: number;
  contrast: number;
  saturation: number;
  /** chroma rotation in turns */
  hue: number;
  /** the order the four ops apply in, a permutation of [0 brightness, 1 contrast, 2 saturation, 3 hue] */
  order: number[];
  grayscale: boolean;
}

const LUMA = [0.299, 0.587, 0.114];
const RGB_TO_YIQ = [0.299, 0.587, 0.114, 0.595716, -0.274453, -0.321263, 0.211456, -0.522591, 0.311135];
const YIQ_TO_RGB = invert3(RGB_TO_YIQ);

export function sampleColorJitter(
  rng: Rng,
  strength: { brightness: number; contrast: number; saturation: number; hue: number },
  grayscale: boolean,
): ColorJitterParams {
  const order = [0, 1, 2, 3];
  for (let i = 3; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return {
    brightness: rng.uniform(1 - strength.brightness, 1 + strength.brightness),
    contrast: rng.uniform(1 - strength.contrast, 1 + strength.contrast),
    saturation: rng.uniform(1 - strength.saturation, 1 + strength.saturation),
    hue: rng.uniform(-strength.hue, strength.hue),
    order,
    grayscale,
  };
}

/** Applies the jitter to an HWC RGB image in place; the result is clamped to [0, 1]. */
export function applyColorJitter(image: Float32Array, params: ColorJitterParams): Float32Array {
  const mean = channelMeans(image);
  // x ↦ A x + t, built op by op (row-major A)
  let A = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  let t = [0, 0, 0];
  const then = (M: number[], offset: number[]) => {
    A = mul3(M, A);
    t = add3(apply3(M, t), offset);
  };
  for (const op of params.order) {
    if (op === 0 && params.brightness !== 1) {
      then(scale3(params.brightness), [0, 0, 0]);
    } else if (op === 1 && params.contrast !== 1) {
      const c = params.contrast;
      const m = dot(LUMA, add3(apply3(A, mean), t)); // mean luma of the image as transformed so far
      then(scale3(c), [(1 - c) * m, (1 - c) * m, (1 - c) * m]);
    } else if (op === 2 && params.saturation !== 1) {
      then(blendWithLuma(params.saturation), [0, 0, 0]);
    } else if (op === 3 && params.hue !== 0) {
      then(hueRotation(params.hue), [0, 0, 0]);
    }
  }
  if (params.grayscale) then(blendWithLuma(0), [0, 0, 0]);
  const [a0, a1, a2, a3, a4, a5, a6, a7, a8] = A;
  const [t0, t1, t2] = t;
  for (let i = 0; i < image.length; i += 3) {
    const r = image[i];
    const g = image[i + 1];
    const b = image[i + 2];
    image[i] = clamp01(a0 * r + a1 * g + a2 * b + t0);
    image[i + 1] = clamp01(a3 * r + a4 * g + a5 * b + t1);
    image[i + 2] = clamp01(a6 * r + a7 * g + a8 * b + t2);
  }
  return image;
}

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function channelMeans(image: Float32Array): number[] {
  let r = 0;
  let g = 0;
  let b = 0;
  for (let i = 0; i < image.length; i += 3) {
    r += image[i];
    g += image[i + 1];
    b += image[i + 2];
  }
  const n = image.length / 3 || 1;
  return [r / n, g / n, b / n];
}

/** s·I + (1 − s)·1·lumaᵀ: s = 0 is grey, s = 1 identity, s > 1 more saturated */
function blendWithLuma(s: number): number[] {
  const M: number[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) M.push((r === c ? s : 0) + (1 - s) * LUMA[c]);
  return M;
}

function hueRotation(turns: number): number[] {
  const cos = Math.cos(2 * Math.PI * turns);
  const sin = Math.sin(2 * Math.PI * turns);
  const R = [1, 0, 0, 0, cos, -sin, 0, sin, cos];
  return mul3(YIQ_TO_RGB, mul3(R, RGB_TO_YIQ));
}

function scale3(s: number): number[] {
  return [s, 0, 0, 0, s, 0, 0, 0, s];
}

function mul3(X: number[], Y: number[]): number[] {
  const Z = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) Z[r * 3 + c] += X[r * 3 + k] * Y[k * 3 + c];
  return Z;
}

function apply3(M: number[], v: number[]): number[] {
  return [0, 1, 2].map((r) => M[r * 3] * v[0] + M[r * 3 + 1] * v[1] + M[r * 3 + 2] * v[2]);
}

function add3(a: number[], b: number[]): number[] {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A,
    -(b * i - c * h),
    b * f - c * e,
    B,
    a * i - c * g,
    -(a * f - c * d),
    C,
    -(a * h - b * g),
    a * e - b * d,
  ].map((x) => x / det);
}
