export { mulberry32, mixSeed, shuffled } from './mulberry32.js';
export { createRng } from './rng.js';
export type { Rng } from './rng.js';
