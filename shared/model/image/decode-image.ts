import sharp from 'sharp';
import { AppError, ValidationError, errorCodes } from '../../errors/index.js';

/**
 * JPEG/PNG bytes → RGB pixels with libvips (sharp). Alpha is flattened on black (GIBS marks no-data with
 * transparency and with black, so both become the same pixels); greyscale and palette images are expanded
 * to RGB.
 *
 * 4-component JPEGs: GIBS's EPSG:3413 tiles are 4-channel JPEGs without an Adobe marker or ICC profile,
 * which libjpeg reports as CMYK. Letting libvips convert them through its generic CMYK profile gives a
 * washed-out pink image; the plain formula R = (1 − C)(1 − K) reproduces the true-colour scene (K is 0 in
 * those files). A CMYK JPEG that carries its own ICC profile is converted through that profile instead.
 */

export interface DecodeOptions {
  /**
   * How a non-square image becomes size×size: 'cover' (default) scales the short side to `size` and keeps
   * the centre, so nothing is distorted; 'fill' stretches the whole image.
   */
  fit?: 'cover' | 'fill';
}

/** Decoded 8-bit RGB pixels, row-major HWC. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const MAX_SIZE = 8192;

/** HWC float32 RGB in [0, 1] at size×size. Undecodable bytes → AppError 'UNDECODABLE' (not retriable). */
export async function decodeToTensor(
  bytes: Uint8Array,
  size: number,
  options: DecodeOptions = {},
): Promise<Float32Array> {
  if (!Number.isInteger(size) || size < 1 || size > MAX_SIZE)
    throw new ValidationError(`decodeToTensor: size must be an integer in [1, ${MAX_SIZE}], got ${size}`);
  const rgb = await decodeRgb(bytes, { size, fit: options.fit ?? 'cover' });
  return toUnitFloat(rgb.data);
}

/**
 * Full-resolution (or resized, when `resize` is given) 8-bit RGB. Used by decodeToTensor and to cut
 * large scenes into tiles without decoding the file once per tile.
 */
export async function decodeRgb(
  bytes: Uint8Array,
  resize?: { size: number; fit: 'cover' | 'fill' },
): Promise<RgbImage> {
  try {
    const metadata = await sharp(bytes).metadata();
    const naiveCmyk = metadata.space === 'cmyk' && !metadata.icc;
    let pipeline = sharp(bytes).autoOrient();
    if (naiveCmyk) pipeline = pipeline.pipelineColourspace('cmyk');
    if (resize)
      pipeline = pipeline.resize(resize.size, resize.size, { fit: resize.fit, position: 'centre', kernel: 'lanczos3' });
    if (naiveCmyk) {
      const { data, info } = await pipeline.toColourspace('cmyk').raw().toBuffer({ resolveWithObject: true });
      if (info.channels !== 4 || data.length !== info.width * info.height * 4)
        throw new Error(`unexpected CMYK decode: ${info.channels} channels, ${data.length} bytes`);
      return { data: cmykToRgb(data), width: info.width, height: info.height };
    }
    const { data, info } = await pipeline
      .flatten({ background: { r: 0, g: 0, b: 0 } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3)
      throw new Error(`unexpected RGB decode: ${info.channels} channels, ${data.length} bytes`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (error) {
    throw new AppError(
      errorCodes.undecodable,
      `cannot decode image (${bytes.length} bytes): ${error instanceof Error ? error.message : String(error)}`,
      { retriable: false, cause: error },
    );
  }
}

function cmykToRgb(cmyk: Uint8Array): Uint8Array {
  const pixels = cmyk.length / 4;
  const rgb = new Uint8Array(pixels * 3);
  for (let p = 0; p < pixels; p++) {
    const k = 255 - cmyk[p * 4 + 3];
    rgb[p * 3] = Math.round(((255 - cmyk[p * 4]) * k) / 255);
    rgb[p * 3 + 1] = Math.round(((255 - cmyk[p * 4 + 1]) * k) / 255);
    rgb[p * 3 + 2] = Math.round(((255 - cmyk[p * 4 + 2]) * k) / 255);
  }
  return rgb;
}

export function toUnitFloat(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] / 255;
  return out;
}

/**
 * True when every value is at most `tolerance`: how a GIBS no-data tile (black JPEG, transparent PNG,
 * flattened on black) looks after decoding. Real tiles with large black no-data areas still have data.
 */
export function isBlankImage(hwc: Float32Array, tolerance = 2 / 255): boolean {
  for (let i = 0; i < hwc.length; i++) if (hwc[i] > tolerance) return false;
  return true;
}
