import sharp from 'sharp';
import { AppError } from '../errors/index.js';

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif' | 'heif' | 'jp2' | 'svg' | 'raw' | 'other';

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  /** channels as stored in the file (a CMYK JPEG has 4, a greyscale JPEG 1, an RGBA PNG 4) */
  channels: number;
}

export interface ImageInspection extends ImageInfo {
  /** every pixel is black (all colour channels 0) or fully transparent: GIBS's "no data" answer */
  blank: boolean;
}

const KNOWN_FORMATS = new Set<string>(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif', 'jp2', 'svg', 'raw']);

function undecodable(cause: unknown, detail: string): AppError {
  return new AppError('UNDECODABLE', `image bytes cannot be decoded: ${detail}`, { retriable: false, cause });
}

/**
 * One full-resolution decode. failOn 'warning' makes libjpeg/libpng warnings (a truncated JPEG is only a
 * warning to libjpeg, which would otherwise pad it with grey) fail the decode instead of passing silently.
 * 16-bit images are decoded at 16 bits so that a faint value does not round to zero.
 */
async function decode(bytes: Uint8Array): Promise<{ info: ImageInfo; data: Buffer; alpha: boolean; wide: boolean }> {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) throw undecodable(undefined, 'empty input');
  try {
    const image = sharp(bytes, { failOn: 'warning' });
    const meta = await image.metadata();
    const wide = meta.depth === 'ushort';
    const { data, info } = await image.raw(wide ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    const format = meta.format !== undefined && KNOWN_FORMATS.has(meta.format) ? (meta.format as ImageFormat) : 'other';
    return {
      info: { format, width: info.width, height: info.height, channels: meta.channels ?? info.channels },
      data,
      // After decoding, sharp hands out sRGB (CMYK and greyscale are converted): 2 or 4 bands carry alpha last.
      alpha: info.channels === 2 || info.channels === 4,
      wide,
    };
  } catch (error) {
    throw undecodable(error, error instanceof Error ? error.message : String(error));
  }
}

/** Scans decoded pixels; stops at the first pixel that is neither black nor fully transparent. */
function allPixelsBlank(data: Buffer, channels: number, alpha: boolean, wide: boolean): boolean {
  if (!alpha) {
    // No alpha: blank iff every byte is 0. Compare eight bytes at a time where alignment allows.
    const words = Math.floor(data.byteLength / 8);
    if (data.byteOffset % 8 === 0) {
      const view = new BigUint64Array(data.buffer, data.byteOffset, words);
      for (let i = 0; i < words; i++) if (view[i] !== 0n) return false;
    } else {
      for (let i = 0; i < words * 8; i++) if (data[i] !== 0) return false;
    }
    for (let i = words * 8; i < data.byteLength; i++) if (data[i] !== 0) return false;
    return true;
  }
  if (!wide && channels === 4 && data.byteOffset % 4 === 0) {
    // Little-endian RGBA: alpha is the top byte of each 32-bit pixel.
    const px = new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4);
    for (let i = 0; i < px.length; i++) {
      const v = px[i];
      if (v >>> 24 !== 0 && (v & 0x00ffffff) !== 0) return false;
    }
    return true;
  }
  const values = wide ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2) : data;
  for (let p = 0; p < values.length; p += channels) {
    if (values[p + channels - 1] === 0) continue;
    for (let c = 0; c < channels - 1; c++) if (values[p + c] !== 0) return false;
  }
  return true;
}

/** Format, size and channels of an image, after a full decode; UNDECODABLE (not retriable) otherwise. */
export async function decodeImageInfo(bytes: Uint8Array): Promise<ImageInfo> {
  return (await decode(bytes)).info;
}

/**
 * Decodes at full resolution (no shrink-on-load: one lit pixel must count) and reports info plus whether
 * the image is blank. The harvester calls this once per tile.
 */
export async function inspectImage(bytes: Uint8Array): Promise<ImageInspection> {
  const { info, data, alpha, wide } = await decode(bytes);
  const channels = data.byteLength / (info.width * info.height * (wide ? 2 : 1));
  return { ...info, blank: allPixelsBlank(data, channels, alpha, wide) };
}

/** True when every pixel is (0,0,0) or fully transparent. Throws UNDECODABLE for bytes that do not decode. */
export async function isBlankImage(bytes: Uint8Array): Promise<boolean> {
  return (await inspectImage(bytes)).blank;
}
