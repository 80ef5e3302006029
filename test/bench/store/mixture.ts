/** The synthetic part of the store benchmark's vectors: a seeded Gaussian mixture on the unit sphere. */

/** mulberry32: small, fast, seeded */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function normalizeInto(out: Float32Array, offset: number, v: Float64Array): void {
  let norm = 0;
  for (let d = 0; d < v.length; d++) norm += v[d] * v[d];
  norm = Math.sqrt(norm);
  for (let d = 0; d < v.length; d++) out[offset + d] = v[d] / norm;
}

/**
 * The synthetic distribution, stated in every result's params: a mixture of `clusters` equally likely
 * clusters, centres uniform on the unit sphere, x = normalize(c + sigma · R_c(s ⊙ z)) with z ~ N(0, I),
 * per-dimension scales s_j ∝ (j + 1)^(-decay / 2) normalised to |s| = 1 (variance falls as a power law, as the
 * PCA spectrum of real embeddings does), and R_c a random rotation per cluster (random signs, then the
 * orthonormal Walsh-Hadamard transform), so each cluster spreads along its own directions.
 */
export interface Mixture {
  clusters: number;
  sigma: number;
  decay: number;
  centres: Float64Array[];
  signs: Int8Array[];
  scales: Float64Array;
}

export function describeMixture(m: Mixture): string {
  const dim = m.scales.length;
  return `${m.clusters} Gaussian clusters, centres uniform on S^${dim - 1}, x=normalize(c+${m.sigma}·R_c(s⊙z)), var_j∝(j+1)^-${m.decay}, R_c=Hadamard·random signs`;
}

export function makeMixture(dim: number, clusters: number, sigma: number, decay: number, seed: number): Mixture {
  if ((dim & (dim - 1)) !== 0) throw new Error(`the Hadamard rotation needs a power-of-two dimension, got ${dim}`);
  const rand = random(seed);
  const centres = Array.from({ length: clusters }, () => {
    const c = Float64Array.from({ length: dim }, () => gaussian(rand));
    const norm = Math.sqrt(c.reduce((s, x) => s + x * x, 0));
    return c.map((x) => x / norm);
  });
  const signs = Array.from({ length: clusters }, () => Int8Array.from({ length: dim }, () => (rand() < 0.5 ? -1 : 1)));
  const raw = Float64Array.from({ length: dim }, (_, j) => (j + 1) ** (-decay / 2));
  const norm = Math.sqrt(raw.reduce((s, x) => s + x * x, 0));
  return { clusters, sigma, decay, centres, signs, scales: raw.map((x) => x / norm) };
}

/** In-place orthonormal fast Walsh-Hadamard transform (length a power of two). */
function hadamard(v: Float64Array): void {
  for (let h = 1; h < v.length; h *= 2) {
    for (let i = 0; i < v.length; i += 2 * h) {
      for (let j = i; j < i + h; j++) {
        const a = v[j];
        const b = v[j + h];
        v[j] = a + b;
        v[j + h] = a - b;
      }
    }
  }
  const scale = 1 / Math.sqrt(v.length);
  for (let j = 0; j < v.length; j++) v[j] *= scale;
}

/** `count` samples of the mixture written into `out` from row `from` on. */
export function sampleMixture(mixture: Mixture, out: Float32Array, from: number, count: number, seed: number): void {
  const rand = random(seed);
  const dim = mixture.scales.length;
  const noise = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    const k = Math.floor(rand() * mixture.clusters);
    const c = mixture.centres[k];
    const signs = mixture.signs[k];
    for (let d = 0; d < dim; d++) noise[d] = signs[d] * mixture.scales[d] * gaussian(rand);
    hadamard(noise);
    for (let d = 0; d < dim; d++) noise[d] = c[d] + mixture.sigma * noise[d];
    normalizeInto(out, (from + i) * dim, noise);
  }
}
