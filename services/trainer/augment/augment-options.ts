import { ValidationError } from '../../../shared/errors/index.js';
import type { ChannelStats } from '../../../shared/model/image/normalize.js';

/**
 * What `augmentView` does to one image, in this order: random resized crop (bilinear, antialiased when
 * shrinking) → 90° rotation → flips → colour jitter → grayscale → Gaussian blur → per-channel
 * normalisation. Every field is optional; the defaults follow DESIGN.md ("random resized crop (area
 * 0.5–1), 90° rotations and flips, colour jitter, blur; per-channel normalisation") with SimCLR's jitter
 * strengths. Satellite tiles have no canonical "up", which is why rotations and vertical flips are on.
 */
export interface AugmentOptions {
  /** side of the produced view in pixels; default: the input size (e.g. 128 px tile → 64 px view) */
  outSize?: number;
  /** random resized crop; `false` resamples the whole image to outSize */
  crop?:
    | false
    | {
        /** fraction of the source area kept, uniform; default [0.5, 1] */
        area?: [number, number];
        /** width/height ratio, log-uniform; default [3/4, 4/3] */
        aspect?: [number, number];
      };
  /** rotate by k·90° with k uniform in 0..3; default true */
  rotate90?: boolean;
  /** probability of a left–right flip; default 0.5 */
  flipHorizontal?: number;
  /** probability of a top–bottom flip; default 0.5 */
  flipVertical?: number;
  /** colour jitter (factors drawn uniformly in [1-x, 1+x], hue shift in [-hue, hue] turns); `false` = off */
  colorJitter?:
    | false
    | {
        /** probability the jitter is applied at all; default 0.8 */
        probability?: number;
        /** default 0.4 */
        brightness?: number;
        /** default 0.4 */
        contrast?: number;
        /** default 0.4 */
        saturation?: number;
        /** default 0.1 (a rotation of the chroma plane in YIQ space by up to ±36°) */
        hue?: number;
      };
  /** probability of converting to grey (luma replicated into R, G, B); default 0.2 */
  grayscale?: number;
  /** separable Gaussian blur; `false` = off */
  blur?:
    | false
    | {
        /** default 0.5 */
        probability?: number;
        /** sigma in pixels of the produced view, uniform; default [0.1, 1.5] */
        sigma?: [number, number];
      };
  /** per-channel `(x - mean) / std` applied last; omitted = the view stays in [0, 1] */
  normalization?: ChannelStats;
}

export interface ResolvedAugmentOptions {
  outSize: number | undefined;
  crop: { area: [number, number]; aspect: [number, number] } | undefined;
  rotate90: boolean;
  flipHorizontal: number;
  flipVertical: number;
  colorJitter:
    { probability: number; brightness: number; contrast: number; saturation: number; hue: number } | undefined;
  grayscale: number;
  blur: { probability: number; sigma: [number, number] } | undefined;
  normalization: ChannelStats | undefined;
}

const defaults: ResolvedAugmentOptions = {
  outSize: undefined,
  crop: { area: [0.5, 1], aspect: [3 / 4, 4 / 3] },
  rotate90: true,
  flipHorizontal: 0.5,
  flipVertical: 0.5,
  colorJitter: { probability: 0.8, brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 },
  grayscale: 0.2,
  blur: { probability: 0.5, sigma: [0.1, 1.5] },
  normalization: undefined,
};
export const defaultAugmentOptions: Readonly<ResolvedAugmentOptions> = Object.freeze(defaults);

/** Fills defaults and rejects impossible values once, so the per-image loop never re-validates. */
export function resolveAugmentOptions(options: AugmentOptions = {}): ResolvedAugmentOptions {
  const d = defaultAugmentOptions;
  const resolved: ResolvedAugmentOptions = {
    outSize: options.outSize,
    crop:
      options.crop === false
        ? undefined
        : {
            area: options.crop?.area ?? d.crop!.area,
            aspect: options.crop?.aspect ?? d.crop!.aspect,
          },
    rotate90: options.rotate90 ?? d.rotate90,
    flipHorizontal: options.flipHorizontal ?? d.flipHorizontal,
    flipVertical: options.flipVertical ?? d.flipVertical,
    colorJitter:
      options.colorJitter === false ? undefined : { ...d.colorJitter!, ...stripUndefined(options.colorJitter ?? {}) },
    grayscale: options.grayscale ?? d.grayscale,
    blur: options.blur === false ? undefined : { ...d.blur!, ...stripUndefined(options.blur ?? {}) },
    normalization: options.normalization,
  };
  validate(resolved);
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validate(o: ResolvedAugmentOptions): void {
  const fail = (what: string) => {
    throw new ValidationError(`augment options: ${what}`);
  };
  const probability = (name: string, p: number) => {
    if (!(p >= 0 && p <= 1)) fail(`${name} must be a probability in [0, 1], got ${p}`);
  };
  const range = (name: string, r: [number, number], min: number, max: number) => {
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] >= min && r[0] <= r[1] && r[1] <= max))
      fail(`${name} must be [lo, hi] with ${min} <= lo <= hi <= ${max}, got ${JSON.stringify(r)}`);
  };
  if (o.outSize !== undefined && !(Number.isInteger(o.outSize) && o.outSize > 0))
    fail(`outSize must be a positive integer, got ${o.outSize}`);
  if (o.crop) {
    range('crop.area', o.crop.area, Number.MIN_VALUE, 1);
    range('crop.aspect', o.crop.aspect, Number.MIN_VALUE, Number.MAX_VALUE);
  }
  probability('flipHorizontal', o.flipHorizontal);
  probability('flipVertical', o.flipVertical);
  probability('grayscale', o.grayscale);
  if (o.colorJitter) {
    const j = o.colorJitter;
    probability('colorJitter.probability', j.probability);
    for (const key of ['brightness', 'contrast', 'saturation'] as const) {
      if (!(j[key] >= 0 && j[key] <= 1)) fail(`colorJitter.${key} must be in [0, 1], got ${j[key]}`);
    }
    if (!(j.hue >= 0 && j.hue <= 0.5)) fail(`colorJitter.hue must be in [0, 0.5], got ${j.hue}`);
  }
  if (o.blur) {
    probability('blur.probability', o.blur.probability);
    range('blur.sigma', o.blur.sigma, 0, 64);
  }
  if (o.normalization) {
    const { mean, std } = o.normalization;
    if (
      mean.length !== 3 ||
      std.length !== 3 ||
      !mean.every(Number.isFinite) ||
      !std.every((s) => s > 0 && Number.isFinite(s))
    ) {
      fail(`normalization needs 3 finite means and 3 positive stds, got ${JSON.stringify(o.normalization)}`);
    }
  }
}
