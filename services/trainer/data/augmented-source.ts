import { augmentPairOf, resolveAugmentOptions, type AugmentedPair, type AugmentOptions } from '../augment/index.js';
import { type Rng } from '../../../shared/random/index.js';
import { type ChannelStats } from '../../../shared/model/image/index.js';
import type { ImageDataset } from './image-dataset.js';

/** What a contrastive training step pulls from: two normalised NHWC views of the images at `indices`. */
export interface TrainBatchSource {
  /** number of images indices may point at */
  size: number;
  /** side of every view */
  viewSize: number;
  pair(indices: readonly number[], rng: Rng): AugmentedPair;
}

export interface AugmentedSourceOptions {
  augment?: AugmentOptions;
  /** side of the views handed to the encoder (e.g. 64 from 128 px images) */
  viewSize: number;
  /** normalisation applied to every view; default the dataset's own statistics */
  stats?: ChannelStats;
}

export function createAugmentedSource(
  dataset: Pick<ImageDataset, 'size' | 'inputSize' | 'images' | 'stats'>,
  options: AugmentedSourceOptions,
): TrainBatchSource {
  const augment: AugmentOptions = {
    ...options.augment,
    outSize: options.viewSize,
    normalization: options.stats ?? dataset.stats,
  };
  resolveAugmentOptions(augment); // fail at construction, not at the first training step
  return {
    size: dataset.size,
    viewSize: options.viewSize,
    pair(indices, rng) {
      const images = indices.map((index) => {
        const image = dataset.images[index];
        if (!Number.isInteger(index) || image === undefined)
          throw new RangeError(`pair: index ${index} outside 0..${dataset.size - 1}`);
        return image;
      });
      return augmentPairOf(images, dataset.inputSize, rng, augment);
    },
  };
}
