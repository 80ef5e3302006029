import sharp from 'sharp';
import { AppError, errorCodes } from '../errors/index.js';
import { tilesErrorCodes } from './tiles-errors.js';

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

export interface DecodeLimits {
  /**
   * The size the image must have (a tile: the TileMatrix's TileWidth × TileHeight). Checked from the header,
   * before any pixel is decoded; another size is WRONG_TILE_SIZE (not retriable).
   */
  expectSize?: { width: number; height: number };
  /** more pixels than this are refused from the header (IMAGE_TOO_LARGE, not retriable); default 4096² */
  maxPixels?: number;
}

/** 4096²: 8 × a 512 px tile's side, so no tile comes near it, and a decode stays under ~200 MB at 16-bit RGBA. */
export const DEFAULT_MAX_DECODE_PIXELS = 4096 * 4096;

/** Byte order of this machine; the RGBA fast path reads four bands as one 32-bit word. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const KNOWN_FORMATS = new Set<string>(['jpeg', 'png', 'webp', 'gif', 'tiff', 'avif', 'heif', 'jp2', 'svg', 'raw']);

function undecodable(cause: unknown, detail: string): AppError {
  return new AppError(errorCodes.undecodable, `image bytes cannot be decoded: ${detail}`, { retriable: false, cause });
}

/**
 * Format and bit depth from the first bytes, for the two formats GIBS serves, so that the hot path needs no
 * separate metadata round-trip through libvips. Undefined: ask sharp.
 */
function sniff(bytes: Uint8Array): { format: ImageFormat; wide: boolean } | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return { format: 'jpeg', wide: false };
  const isPng = bytes.length >= 25 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  if (isPng && String.fromCharCode(bytes[12], bytes[13], bytes[14], bytes[15]) === 'IHDR') {
    return { format: 'png', wide: bytes[24] === 16 };
  }
  return undefined;
}

interface Decoded {
  format: ImageFormat;
  /** channels as stored, when the caller asked for metadata */
  storedChannels?: number;
  width: number;
  height: number;
  channels: number;
  data: Buffer;
  alpha: boolean;
  wide: boolean;
}

function checkSize(width: number, height: number, limits: DecodeLimits, maxPixels: number): void {
  const want = limits.expectSize;
  if (want && (width !== want.width || height !== want.height)) {
    const message = `image is ${width}×${height}; the TileMatrix's tiles are ${want.width}×${want.height}`;
    throw new AppError(tilesErrorCodes.wrongTileSize, message, { retriable: false });
  }
  if (width * height > maxPixels) {
    const message = `image is ${width}×${height}, more than the ${maxPixels} pixels decoded at most`;
    throw new AppError(tilesErrorCodes.imageTooLarge, message, { retriable: false });
  }
}

/**
 * One full-resolution decode. failOn 'warning' makes libjpeg/libpng warnings (a truncated JPEG is only a
 * warning to libjpeg, which would otherwise pad it with grey) fail the decode instead of passing silently.
 * 16-bit images are decoded at 16 bits so that a faint value does not round to zero. The size is checked
 * from the header first, and libvips itself refuses more than the pixel bound (limitInputPixels), so a
 * hostile image cannot make the decode allocate more than the bound allows.
 */
async function decode(bytes: Uint8Array, withMetadata: boolean, limits: DecodeLimits = {}): Promise<Decoded> {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) throw undecodable(undefined, 'empty input');
  const want = limits.expectSize;
  const maxPixels = Math.min(limits.maxPixels ?? DEFAULT_MAX_DECODE_PIXELS, want ? want.width * want.height : Infinity);
  let headerChecked = false;
  try {
    const image = sharp(bytes, { failOn: 'warning', limitInputPixels: maxPixels });
    let known = sniff(bytes);
    let storedChannels: number | undefined;
    if (withMetadata || known === undefined || want) {
      headerChecked = true;
      // Header only (libvips reads no pixel data for metadata), so no pixel limit here: the size check below
      // names a wrong tile size as such rather than as "too large".
      const meta = await sharp(bytes, { failOn: 'warning', limitInputPixels: false }).metadata();
      if (meta.width !== undefined && meta.height !== undefined) checkSize(meta.width, meta.height, limits, maxPixels);
      const format =
        meta.format !== undefined && KNOWN_FORMATS.has(meta.format) ? (meta.format as ImageFormat) : 'other';
      known = { format, wide: meta.depth === 'ushort' };
      storedChannels = meta.channels;
    }
    // sharp converts to 8-bit sRGB unless asked for rgb16, and a cast alone (depth ushort) comes too late.
    const pipeline = known.wide ? image.toColourspace('rgb16').raw({ depth: 'ushort' }) : image.raw();
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    return {
      format: known.format,
      ...(storedChannels !== undefined ? { storedChannels } : {}),
      width: info.width,
      height: info.height,
      channels: info.channels,
      data,
      // After decoding, sharp hands out sRGB (CMYK and greyscale are converted): 2 or 4 bands carry alpha last.
      alpha: info.channels === 2 || info.channels === 4,
      wide: known.wide,
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The fast path reads no header, so libvips's pixel bound may be what failed: the header says whether the
    // image is too large (IMAGE_TOO_LARGE), without reading libvips's message text; anything else is undecodable.
    if (!headerChecked) await checkHeaderSize(bytes, limits, maxPixels);
    throw undecodable(error, error instanceof Error ? error.message : String(error));
  }
}

/** The header's size against the limits (checkSize); a header that cannot be read is left to the caller. */
async function checkHeaderSize(bytes: Uint8Array, limits: DecodeLimits, maxPixels: number): Promise<void> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return; // no readable header: the decode's own error says more
  }
  if (meta.width !== undefined && meta.height !== undefined) checkSize(meta.width, meta.height, limits, maxPixels);
}

/** Scans decoded pixels; stops at the first pixel that is neither black nor fully transparent. */
function allPixelsBlank(data: Buffer, channels: number, alpha: boolean, wide: boolean): boolean {
  if (!alpha) {
    // No alpha: blank iff every byte is 0. Four bytes at a time where alignment allows (a BigUint64 view
    // measured slower: BigInt compares).
    const words = Math.floor(data.byteLength / 4);
    if (data.byteOffset % 4 === 0) {
      const view = new Uint32Array(data.buffer, data.byteOffset, words);
      for (let i = 0; i < words; i++) if (view[i] !== 0) return false;
    } else {
      for (let i = 0; i < words * 4; i++) if (data[i] !== 0) return false;
    }
    for (let i = words * 4; i < data.byteLength; i++) if (data[i] !== 0) return false;
    return true;
  }
  if (!wide && channels === 4 && LITTLE_ENDIAN && data.byteOffset % 4 === 0) {
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

function infoOf(d: Decoded): ImageInfo {
  return { format: d.format, width: d.width, height: d.height, channels: d.storedChannels ?? d.channels };
}

/** Format, size and stored channels of an image, after a full decode; UNDECODABLE (not retriable) otherwise. */
export async function decodeImageInfo(bytes: Uint8Array, limits?: DecodeLimits): Promise<ImageInfo> {
  return infoOf(await decode(bytes, true, limits));
}

/**
 * Decodes at full resolution (no shrink-on-load: one lit pixel must count) and reports info plus whether
 * the image is blank, in one decode. UNDECODABLE, WRONG_TILE_SIZE or IMAGE_TOO_LARGE otherwise (see limits).
 */
export async function inspectImage(bytes: Uint8Array, limits?: DecodeLimits): Promise<ImageInspection> {
  const d = await decode(bytes, true, limits);
  return { ...infoOf(d), blank: allPixelsBlank(d.data, d.channels, d.alpha, d.wide) };
}

/**
 * True when every pixel is (0,0,0) or fully transparent. Throws UNDECODABLE for bytes that do not decode.
 * The cheapest path: JPEG and PNG skip the metadata round-trip.
 */
export async function isBlankImage(bytes: Uint8Array, limits?: DecodeLimits): Promise<boolean> {
  const d = await decode(bytes, false, limits);
  return allPixelsBlank(d.data, d.channels, d.alpha, d.wide);
}
