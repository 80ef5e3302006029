export { mulberry32, mixSeed, shuffled } from './mulberry32.js';
