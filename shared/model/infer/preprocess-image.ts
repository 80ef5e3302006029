import { decodeToTensor, normalize, type ChannelStats } from '../image/index.js';

/**
 * JPEG/PNG bytes → the tensor the encoder expects for one image: [size, size, 3] NHWC, centre-cropped
 * ('cover'), `(x/255 − mean) / std` per channel. The decode is the training pipeline's own, so inference
 * sees exactly what training saw. Undecodable bytes → AppError 'UNDECODABLE' (not retriable).
 */
export async function preprocessImage(bytes: Uint8Array, size: number, stats: ChannelStats): Promise<Float32Array> {
  const hwc = await decodeToTensor(bytes, size);
  return normalize(hwc, stats, hwc);
}
