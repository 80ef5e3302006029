/**
 * A small seeded PRNG (xoshiro128**, seeded through splitmix32). Augmentation must be reproducible
 * under a seed and runnable in any worker thread, so it never touches Math.random.
 */
export interface Rng {
  /** the seed this stream was created from (forks derive theirs from it) */
  readonly seed: number;
  /** uniform in [0, 1) */
  next(): number;
  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number;
  /** uniform integer in [0, n); n must be a positive integer */
  int(n: number): number;
  /** standard normal (Box–Muller) */
  normal(): number;
  /** true with probability p */
  chance(p: number): boolean;
  /**
   * An independent stream derived from this stream's seed and `label` only (not from how much of this
   * stream was consumed), so `rng.fork('worker-1')` names the same stream in every run.
   */
  fork(label: string): Rng;
}

const TWO_POW_32 = 4294967296;

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a of the label mixed with the parent seed: cheap and stable across platforms. */
function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return splitmix32(h >>> 0)();
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`rng seed must be a finite number, got ${seed}`);
  const normalizedSeed = Math.trunc(seed) >>> 0;
  const init = splitmix32(normalizedSeed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  if ((a | b | c | d) === 0) a = 1; // xoshiro's one forbidden state
  let spare: number | undefined;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };
  const next = (): number => nextU32() / TWO_POW_32;

  return {
    seed: normalizedSeed,
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int(n) {
      if (!Number.isInteger(n) || n <= 0) throw new RangeError(`rng.int(n) needs a positive integer, got ${n}`);
      return Math.floor(next() * n);
    },
    normal() {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    chance: (p) => p > 0 && next() < p,
    fork: (label) => createRng(deriveSeed(normalizedSeed, label)),
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
