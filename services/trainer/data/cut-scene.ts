import sharp from 'sharp';
import { AppError, ValidationError, errorCodes } from '../../../shared/errors/index.js';
import { decodeRgb, decodeToTensor, toUnitFloat } from '../../../shared/model/image/decode-image.js';

/**
 * Large scenes (a global mosaic, an 1800×2350 phenomenon example) are cut into tile-sized squares so the
 * encoder sees the same ground scale it sees in harvested 512 px tiles; each square is then resized to
 * `outSize`. A scene no larger than a tile gives one image.
 */
export interface CutSceneOptions {
  /** side of the squares cut from the scene, in scene pixels; default 512 (a GIBS tile) */
  tileSize?: number;
  /** side of every produced image */
  outSize: number;
  /** step between squares; default the square's side (no overlap) */
  stride?: number;
}

export interface SceneCrop {
  /** left/top of the square in scene pixels */
  x: number;
  y: number;
  /** side of the square in scene pixels (tileSize, or the scene's short side when that is smaller) */
  side: number;
  /** HWC float32 RGB in [0, 1], outSize × outSize */
  image: Float32Array;
}

/**
 * Offsets of `count` squares of side `side` spread evenly over `length`: the first flush with the start,
 * the last flush with the end, the count chosen so neighbours are about `stride` apart. A remainder
 * smaller than half a stride is absorbed by small overlaps instead of a nearly duplicate extra square.
 */
export function cropOffsets(length: number, side: number, stride: number): number[] {
  const span = length - side;
  if (span <= 0) return [0];
  const count = Math.max(1, Math.round(span / stride) + 1);
  if (count === 1) return [Math.floor(span / 2)];
  return Array.from({ length: count }, (_, k) => Math.round((k * span) / (count - 1)));
}

function resolve(options: CutSceneOptions): { tileSize: number; outSize: number; stride: number | undefined } {
  const tileSize = options.tileSize ?? 512;
  const stride = options.stride;
  const positive = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1)
      throw new ValidationError(`cutScene: ${name} must be a positive integer, got ${v}`);
  };
  positive('tileSize', tileSize);
  positive('outSize', options.outSize);
  if (stride !== undefined) positive('stride', stride);
  return { tileSize, outSize: options.outSize, stride };
}

/** Yields the squares of a scene one by one (the scene is decoded once; squares are resized lazily). */
export async function* iterateSceneCrops(bytes: Uint8Array, options: CutSceneOptions): AsyncGenerator<SceneCrop> {
  const { tileSize, outSize, stride } = resolve(options);
  let width: number;
  let height: number;
  try {
    const metadata = await sharp(bytes).metadata();
    const rotated = (metadata.orientation ?? 1) >= 5; // EXIF orientations 5–8 swap the axes
    width = (rotated ? metadata.height : metadata.width) ?? 0;
    height = (rotated ? metadata.width : metadata.height) ?? 0;
  } catch (error) {
    throw new AppError(
      errorCodes.undecodable,
      `cannot decode image (${bytes.length} bytes): ${error instanceof Error ? error.message : String(error)}`,
      { retriable: false, cause: error },
    );
  }
  const side = Math.min(tileSize, width, height);
  const xs = cropOffsets(width, side, stride ?? side);
  const ys = cropOffsets(height, side, stride ?? side);

  // One centred square covering the short side is exactly a 'cover' resize: let sharp do it straight from
  // the file, which for JPEG also shrinks while decoding (much faster than decoding at full size).
  if (xs.length === 1 && ys.length === 1 && side === Math.min(width, height)) {
    yield { x: xs[0], y: ys[0], side, image: await decodeToTensor(bytes, outSize, { fit: 'cover' }) };
    return;
  }
  const rgb = await decodeRgb(bytes);
  for (const y of ys) {
    for (const x of xs) {
      const { data } = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
        .extract({ left: x, top: y, width: side, height: side })
        .resize(outSize, outSize, { kernel: 'lanczos3' })
        .raw()
        .toBuffer({ resolveWithObject: true });
      yield { x, y, side, image: toUnitFloat(data) };
    }
  }
}

/** All squares of a scene (see iterateSceneCrops), row by row from the top-left. */
export async function cutScene(bytes: Uint8Array, options: CutSceneOptions): Promise<Float32Array[]> {
  const images: Float32Array[] = [];
  for await (const crop of iterateSceneCrops(bytes, options)) images.push(crop.image);
  return images;
}
