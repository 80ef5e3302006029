/**
 * SimSiam's collapse indicator: the standard deviation over the batch of each dimension of the
 * L2-normalised embeddings, averaged over dimensions. ≈ 1/sqrt(dim) for well-spread embeddings, → 0 when
 * every image maps to the same point.
 */
export function collapseStd(embeddings: Float32Array, n: number): number {
  if (n < 2 || embeddings.length % n !== 0) return 0;
  const dim = embeddings.length / n;
  let total = 0;
  for (let d = 0; d < dim; d++) {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const v = embeddings[i * dim + d];
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / n;
    total += Math.sqrt(Math.max(0, sumSq / n - mean * mean));
  }
  return total / dim;
}
