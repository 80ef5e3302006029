import { ValidationError } from '../errors/index.js';

function average(vectors: readonly Float32Array[], dimension: number, what: string): Float64Array {
  const sum = new Float64Array(dimension);
  vectors.forEach((vector, i) => {
    if (!(vector instanceof Float32Array)) throw new ValidationError(`${what}[${i}] must be a Float32Array`);
    if (vector.length !== dimension) {
      throw new ValidationError(`${what}[${i}] has length ${vector.length}, expected ${dimension} (as positive[0])`);
    }
    for (let d = 0; d < dimension; d++) {
      if (!Number.isFinite(vector[d])) throw new ValidationError(`${what}[${i}][${d}] is not finite: ${vector[d]}`);
      sum[d] += vector[d];
    }
  });
  for (let d = 0; d < dimension; d++) sum[d] /= vectors.length;
  return sum;
}

/**
 * The query vector of a recommendation, as Qdrant's `average_vector` strategy builds it:
 * avg(positive) + (avg(positive) − avg(negative)), or avg(positive) without negatives. Sums run in float64 so
 * the order of the examples does not change the result. Needs at least one positive; every example must have
 * the length of positive[0] and finite values (ValidationError otherwise).
 */
export function recommendQuery(
  positive: readonly Float32Array[],
  negative: readonly Float32Array[] = [],
): Float32Array {
  if (!Array.isArray(positive) || positive.length === 0) {
    throw new ValidationError('recommend needs at least one positive example');
  }
  if (!Array.isArray(negative)) throw new ValidationError('recommend negative must be an array of vectors');
  if (!(positive[0] instanceof Float32Array) || positive[0].length === 0) {
    throw new ValidationError('positive[0] must be a non-empty Float32Array');
  }
  const dimension = positive[0].length;
  const pos = average(positive, dimension, 'positive');
  if (negative.length === 0) return Float32Array.from(pos);
  const neg = average(negative, dimension, 'negative');
  return Float32Array.from(pos, (p, d) => p + (p - neg[d]));
}
