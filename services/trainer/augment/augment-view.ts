import { resolveAugmentOptions, type AugmentOptions, type ResolvedAugmentOptions } from './augment-options.js';
import { gaussianBlur } from './blur.js';
import { applyColorJitter, sampleColorJitter } from './color.js';
import { flipHorizontal, flipVertical, rotate90 } from './geometry.js';
import { normalize } from '../../../shared/model/image/normalize.js';
import { resizedCrop, sampleCropBox } from './resample.js';
import type { Rng } from '../../../shared/random/rng.js';

/** Two views of every image of a batch, NHWC, each `n × outSize × outSize × 3`. */
export interface AugmentedPair {
  a: Float32Array;
  b: Float32Array;
}

interface Scratch {
  x: Float32Array;
  y: Float32Array;
}

/**
 * One random view of one square HWC RGB image in [0, 1] (`size`×`size`×3). Returns `outSize`×`outSize`×3
 * (outSize defaults to size), normalised when `options.normalization` is given. Deterministic for a given
 * rng state; pure TypeScript, so it runs in any worker thread.
 */
export function augmentView(image: Float32Array, size: number, rng: Rng, options: AugmentOptions = {}): Float32Array {
  const resolved = resolveAugmentOptions(options);
  const outSize = resolved.outSize ?? size;
  const out = new Float32Array(outSize * outSize * 3);
  augmentInto(image, size, rng, resolved, out, 0, makeScratch(outSize));
  return out;
}

/**
 * Two independently augmented views of each of the `n` images of an NHWC batch (`n × size × size × 3`),
 * the pair SimCLR/SimSiam train on. Image i's views are drawn right after image i-1's, so a batch is
 * reproducible under a seed.
 */
export function augmentPair(
  batch: Float32Array,
  n: number,
  size: number,
  rng: Rng,
  options: AugmentOptions = {},
): AugmentedPair {
  const per = size * size * 3;
  if (!Number.isInteger(n) || n < 0 || batch.length !== n * per) {
    throw new RangeError(
      `augmentPair: batch holds ${batch.length} values, expected n=${n} × ${size}x${size}x3 = ${n * per}`,
    );
  }
  const resolved = resolveAugmentOptions(options);
  const outSize = resolved.outSize ?? size;
  const outPer = outSize * outSize * 3;
  const a = new Float32Array(n * outPer);
  const b = new Float32Array(n * outPer);
  const scratch = makeScratch(outSize);
  for (let i = 0; i < n; i++) {
    const image = batch.subarray(i * per, (i + 1) * per);
    augmentInto(image, size, rng, resolved, a, i * outPer, scratch);
    augmentInto(image, size, rng, resolved, b, i * outPer, scratch);
  }
  return { a, b };
}

/** The same as augmentPair over a list of HWC images (no need to gather them into a batch first). */
export function augmentPairOf(
  images: readonly Float32Array[],
  size: number,
  rng: Rng,
  options: AugmentOptions = {},
): AugmentedPair {
  const resolved = resolveAugmentOptions(options);
  const outSize = resolved.outSize ?? size;
  const outPer = outSize * outSize * 3;
  const a = new Float32Array(images.length * outPer);
  const b = new Float32Array(images.length * outPer);
  const scratch = makeScratch(outSize);
  images.forEach((image, i) => {
    augmentInto(image, size, rng, resolved, a, i * outPer, scratch);
    augmentInto(image, size, rng, resolved, b, i * outPer, scratch);
  });
  return { a, b };
}

function makeScratch(outSize: number): Scratch {
  return { x: new Float32Array(outSize * outSize * 3), y: new Float32Array(outSize * outSize * 3) };
}

function augmentInto(
  image: Float32Array,
  size: number,
  rng: Rng,
  o: ResolvedAugmentOptions,
  out: Float32Array,
  outOffset: number,
  scratch: Scratch,
): void {
  if (image.length !== size * size * 3)
    throw new RangeError(`augmentView: expected ${size}x${size}x3 = ${size * size * 3} values, got ${image.length}`);
  const outSize = o.outSize ?? size;
  let cur = scratch.x;
  let spare = scratch.y;
  const swap = () => {
    const t = cur;
    cur = spare;
    spare = t;
  };

  const box = o.crop
    ? sampleCropBox(size, o.crop.area, o.crop.aspect, rng.next)
    : { x: 0, y: 0, width: size, height: size };
  resizedCrop(image, size, box, outSize, cur, 0);

  const turns = o.rotate90 ? rng.int(4) : 0;
  if (turns !== 0) {
    rotate90(cur, outSize, turns, spare);
    swap();
  }
  if (rng.chance(o.flipHorizontal)) {
    flipHorizontal(cur, outSize, spare);
    swap();
  }
  if (rng.chance(o.flipVertical)) {
    flipVertical(cur, outSize, spare);
    swap();
  }

  const jitter = o.colorJitter !== undefined && rng.chance(o.colorJitter.probability);
  const grey = rng.chance(o.grayscale);
  if (jitter || grey) {
    const strength = jitter && o.colorJitter ? o.colorJitter : { brightness: 0, contrast: 0, saturation: 0, hue: 0 };
    applyColorJitter(cur, sampleColorJitter(rng, strength, grey));
  }

  if (o.blur && rng.chance(o.blur.probability)) {
    const sigma = rng.uniform(o.blur.sigma[0], o.blur.sigma[1]);
    if (sigma > 0) gaussianBlur(cur, outSize, sigma, spare);
  }

  const target = out.subarray(outOffset, outOffset + cur.length);
  if (o.normalization) normalize(cur, o.normalization, target);
  else target.set(cur);
}
