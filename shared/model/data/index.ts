export { decodeToTensor, decodeRgb, isBlankImage, toUnitFloat } from './decode-image.js';
export type { DecodeOptions, RgbImage } from './decode-image.js';
export { listImages, listImageFiles } from './list-images.js';
export type { ImageFile } from './list-images.js';
export { cutScene, iterateSceneCrops, cropOffsets } from './cut-scene.js';
export type { CutSceneOptions, SceneCrop } from './cut-scene.js';
export { loadImageDataset, createImageDataset } from './image-dataset.js';
export type { ImageDataset, LoadImageDatasetOptions } from './image-dataset.js';
export { createAugmentedSource } from './augmented-source.js';
export type { TrainBatchSource, AugmentedSourceOptions } from './augmented-source.js';
// statistics live with the augmentations (pure TypeScript, usable in workers); re-exported for data callers
export { computeChannelStats, normalize } from '../augment/index.js';
export type { ChannelStats } from '../augment/index.js';
