export { cutScene, iterateSceneCrops, cropOffsets } from './cut-scene.js';
export type { CutSceneOptions, SceneCrop } from './cut-scene.js';
export { loadImageDataset, createImageDataset } from './image-dataset.js';
export type { ImageDataset, LoadImageDatasetOptions } from './image-dataset.js';
export { createAugmentedSource } from './augmented-source.js';
export type { TrainBatchSource, AugmentedSourceOptions } from './augmented-source.js';
export { buildSplitCrops } from './split-crops.js';
export type { SplitCrops, SplitCropsOptions, MosaicName } from './split-crops.js';
