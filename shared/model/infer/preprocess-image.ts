import sharp from 'sharp';
import { AppError, describeError } from '../../errors/index.js';
import { normalize, type ChannelStats } from '../augment/index.js';

/**
 * JPEG/PNG bytes → the normalised NHWC float tensor of one image ([size, size, 3], (x/255 − mean)/std).
 * TEMPORARY decode until shared/model/data's decodeToTensor lands; the pool and tests call only this.
 * Bytes sharp cannot decode → AppError IMAGE_UNDECODABLE (not retriable: the same bytes never will).
 */
export async function preprocessImage(bytes: Uint8Array, size: number, stats: ChannelStats): Promise<Float32Array> {
  let raw: Buffer;
  try {
    raw = await sharp(bytes).removeAlpha().toColourspace('srgb').resize(size, size, { fit: 'fill' }).raw().toBuffer();
  } catch (cause) {
    throw new AppError('IMAGE_UNDECODABLE', `cannot decode image: ${describeError(cause)}`, { retriable: false, cause });
  }
  const hwc = new Float32Array(size * size * 3);
  for (let i = 0; i < hwc.length; i++) hwc[i] = raw[i] / 255;
  return normalize(hwc, stats, hwc);
}
