import sharp from 'sharp';
import { ValidationError, describeError, errorCodes } from '../../../shared/errors/index.js';
import type { QueryImage } from '../../../shared/model/infer/index.js';
import { decodeBase64Image } from '../alerts/index.js';
import { apiError, apiErrorCodes } from '../api-errors.js';

/** Query images larger than this are refused from their header: 8 × a 512 px tile's side, squared. */
export const MAX_QUERY_IMAGE_PIXELS = 4096 * 4096;

/**
 * An uploaded query image, checked before any model is loaded: within the upload limit (413 otherwise), a JPEG
 * or PNG whose header reads (UNDECODABLE otherwise) and within MAX_QUERY_IMAGE_PIXELS (a small file can declare
 * a huge image). A body that passes can still fail to decode fully: the embedder then says UNDECODABLE.
 */
export async function checkQueryImage(image: QueryImage, uploadLimitBytes: number): Promise<QueryImage> {
  if (image.bytes.byteLength > uploadLimitBytes) throw tooLarge(image.label, image.bytes.byteLength, uploadLimitBytes);
  let meta: sharp.Metadata;
  try {
    meta = await sharp(image.bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ValidationError(`${image.label} is not a decodable JPEG/PNG image: ${describeError(error)}`, {
      code: errorCodes.undecodable,
      cause: error,
    });
  }
  if (meta.format !== 'jpeg' && meta.format !== 'png')
    throw new ValidationError(`${image.label} is a ${meta.format} image; send a JPEG or PNG`, {
      code: errorCodes.undecodable,
    });
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > MAX_QUERY_IMAGE_PIXELS)
    throw new ValidationError(
      `${image.label} is ${meta.width}×${meta.height} pixels; query images may have at most ${MAX_QUERY_IMAGE_PIXELS} pixels`,
    );
  return image;
}

/** A base64 image of a JSON body: its size is checked from the text before a byte is decoded. */
export function decodeQueryImage(text: string, at: string, uploadLimitBytes: number): Uint8Array {
  const estimate = Math.floor((text.length * 3) / 4);
  // a data: prefix and line breaks make the text longer than its bytes; the exact check follows the decode
  if (estimate > uploadLimitBytes + 1024) throw tooLarge(at, estimate, uploadLimitBytes);
  const bytes = decodeBase64Image(text, at, Number.MAX_SAFE_INTEGER);
  if (bytes.byteLength > uploadLimitBytes) throw tooLarge(at, bytes.byteLength, uploadLimitBytes);
  return bytes;
}

function tooLarge(label: string, bytes: number, limit: number) {
  return apiError(
    apiErrorCodes.payloadTooLarge,
    `${label} is ${bytes} bytes, more than the upload limit of ${limit} bytes (api.uploadLimitBytes)`,
  );
}
