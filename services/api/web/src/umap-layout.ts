import { UMAP } from 'umap-js';

/** Epochs of layout optimisation: umap-learn's count for large inputs, enough for a few thousand points. */
const EPOCHS = 200;
/** Work per slice before the page gets the main thread back (a frame or two). */
const SLICE_MS = 30;

/** Mulberry32: a small seeded PRNG, so the same sample gets the same layout on every load. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * 2-D UMAP layout of the vectors (umap-js, in the browser, seeded). The neighbour graph is built in one go; the
 * epochs then run in ~30 ms slices, after each of which `onProgress` gets the share done and the layout so far
 * (the view draws it forming) and the page gets the main thread back. Fewer than 3 points go on a line.
 */
export async function umapLayout(
  vectors: number[][],
  onProgress: (done: number, layout: number[][]) => void,
): Promise<number[][]> {
  if (vectors.length < 3) return vectors.map((_, i) => [i, 0]);
  const nNeighbors = Math.min(15, vectors.length - 1);
  const umap = new UMAP({ nComponents: 2, nNeighbors, minDist: 0.1, nEpochs: EPOCHS, random: seededRandom(42) });
  const epochs = umap.initializeFit(vectors);
  for (let epoch = 0; epoch < epochs;) {
    const sliceEnd = performance.now() + SLICE_MS;
    while (epoch < epochs && performance.now() < sliceEnd) epoch = umap.step();
    onProgress(epoch / epochs, umap.getEmbedding());
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return umap.getEmbedding();
}
