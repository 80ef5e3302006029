/** The filters the store benchmark asks, and a fast exact evaluation of them checked against matchesFilter. */
import { matchesFilter } from '../../../shared/store/filter.js';
import type { Filter } from '../../../shared/store/index.js';
import { bboxesIntersect, type Bbox } from '../../../shared/tiles/index.js';
import { DAYS, LAYERS, dayIso, footprint, payloadOf, type Dataset } from './dataset.js';
import { K } from './cases.js';
import { random } from './mixture.js';

/** The filters the benchmark asks, in a form a typed-array loop evaluates fast. */
export interface BenchFilter {
  filter?: Filter;
  fromDay?: number;
  toDay?: number;
  box?: Bbox;
  layer?: number;
}

/** Whether point i passes; checked against matchesFilter on samples (checkMasks). */
export function passes(ds: Dataset, f: BenchFilter, i: number): boolean {
  if (f.fromDay !== undefined && (ds.day[i] < f.fromDay || ds.day[i] > (f.toDay as number))) return false;
  if (f.layer !== undefined && ds.layer[i] !== f.layer) return false;
  return f.box === undefined || bboxesIntersect(footprint(ds, i), f.box);
}

/** `passes` must agree with the port's own definition, or every recall would be measured against a wrong truth. */
export function checkMasks(ds: Dataset, f: BenchFilter, upTo: number, samples: number, seed: number): void {
  if (f.filter === undefined) return;
  const rand = random(seed);
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(rand() * upTo);
    if (passes(ds, f, i) !== matchesFilter(f.filter, { id: ds.ids[i], payload: payloadOf(ds, i) })) {
      throw new Error(`bench mask disagrees with matchesFilter at point ${i} for ${JSON.stringify(f.filter)}`);
    }
  }
}

export function timeFilter(rand: () => number): BenchFilter {
  // 36 of 365 days: 9.9 % of the points
  const fromDay = Math.floor(rand() * (DAYS - 36));
  const toDay = fromDay + 35;
  return { fromDay, toDay, filter: { date: { gte: dayIso(fromDay), lte: dayIso(toDay) } } };
}

/** time (10 %) ∧ a 120° × 60° box (antimeridian-crossing ones too) ∧ one layer, resampled until it keeps 10..1 % */
export function combinedFilter(ds: Dataset, upTo: number, rand: () => number): BenchFilter {
  for (let attempt = 0; attempt < 200; attempt++) {
    const time = timeFilter(rand);
    const west = Math.round(-18000 + rand() * 36000) / 100;
    const east = west + 120 > 180 ? west + 120 - 360 : west + 120;
    const south = Math.round(-9000 + rand() * 12000) / 100;
    const layer = Math.floor(rand() * LAYERS.length);
    const f: BenchFilter = {
      ...time,
      box: [west, south, east, south + 60],
      layer,
      filter: { and: [time.filter!, { bbox: [west, south, east, south + 60] }, { layer: [LAYERS[layer]] }] },
    };
    let kept = 0;
    for (let i = 0; i < upTo; i++) if (passes(ds, f, i)) kept++;
    if (kept >= K && kept < upTo / 100) return f;
  }
  throw new Error('no combined filter under 1 % selectivity found');
}

export function selectivity(ds: Dataset, f: BenchFilter, upTo: number): number {
  if (f.filter === undefined) return 1;
  let kept = 0;
  for (let i = 0; i < upTo; i++) if (passes(ds, f, i)) kept++;
  return kept / upTo;
}
