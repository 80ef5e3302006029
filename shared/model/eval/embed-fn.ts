/**
 * What evaluation needs from a model: images in, vectors out. Each image is HWC RGB float32 in [0, 1],
 * `inputSize × inputSize × 3` values; per-channel normalisation is the embedder's business, not the caller's.
 * The vectors need not be normalised (evaluation normalises them itself).
 */
export type EmbedFn = (images: Float32Array[]) => Promise<Float32Array[]>;
