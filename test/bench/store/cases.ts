/** What the store benchmark measures, shared by its phases. */
import type { BenchFilter } from './filters.js';
import type { Truth } from './ground-truth.js';

export const K = 10;
export const COLLECTION = 'bench';
/** the targets on the 2-core machine, in every case */
export const TARGET = { recall: 0.95, p99Ms: 20 };

export type CaseName = 'no filter' | 'time 10%' | 'time+bbox+layer <1%';
export const CASES: CaseName[] = ['no filter', 'time 10%', 'time+bbox+layer <1%'];

export interface Query {
  vector: Float32Array;
  /** a held-out real tile (else a fresh mixture sample) */
  real: boolean;
  filter: BenchFilter;
  /** exact top-k over the points ingested before the measurements */
  truth: Truth;
}
