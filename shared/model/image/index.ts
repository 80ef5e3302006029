export { decodeToTensor, decodeRgb, isBlankImage, toUnitFloat } from './decode-image.js';
export type { DecodeOptions, RgbImage } from './decode-image.js';
export { listImages, listImageFiles } from './list-images.js';
export type { ImageFile } from './list-images.js';
export { computeChannelStats, normalize } from './normalize.js';
export type { ChannelStats } from './normalize.js';
export { imageErrorCodes } from './image-errors.js';
export type { ImageErrorCode } from './image-errors.js';
